// Command coldsteps times one step of the orders function's start-up, as
// the first thing a fresh process does after its packages are
// initialized, and prints the time in microseconds. make bench runs it
// many times per step, to say where the function's start-up goes beyond
// package initialization:
//
//	config     reading the configuration from the environment
//	client     building a DynamoDB client as src/app builds it (the bare
//	           handler's own, which builds it the same way)
//	function   building the whole function, app.New, all of the above
//	           included
//
// It reads the function's variables from its environment, as the
// bootstrap does.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/go-sam-blueprint/orders/src/app"
	"github.com/go-sam-blueprint/orders/src/platform/config"
	"github.com/go-sam-blueprint/orders/tests/bench/bare"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: coldsteps config|client|function")
		os.Exit(2)
	}
	d, err := step(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "coldsteps:", err)
		os.Exit(1)
	}
	fmt.Println(d.Microseconds())
}

func step(name string) (time.Duration, error) {
	var cfg config.Config
	var err error
	if name == "function" {
		// The configuration is read first, as main does; timed on its own.
		if cfg, err = config.Load(); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	switch name {
	case "config":
		_, err = config.Load()
	case "client":
		_ = bare.FromEnv()
	case "function":
		_, err = app.New(context.Background(), cfg, io.Discard)
	default:
		return 0, fmt.Errorf("no step %q", name)
	}
	return time.Since(start), err
}
