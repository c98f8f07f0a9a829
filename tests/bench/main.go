// Command bench measures the orders service and checks it against its
// performance budgets (make bench): the cold path against a bare handler
// that does the same DynamoDB work, each started as Lambda starts a
// bootstrap, under a minimal Runtime API; where the cold path goes; the
// handler's own overhead against the bare handler's; warm latency against
// moto_server; DynamoDB round trips of a fresh process; the zipped size of
// each function and the peak memory after 1,000 requests.
//
// It prints a table with the machine's load, and exits non-zero when a
// budget is missed. With -out (make bench RECORD=1) it also writes the
// results, the machine and the method to that file. -smoke runs small
// counts and checks only the budgets that do not depend on the machine's
// speed.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	var opts options
	flag.BoolVar(&opts.smoke, "smoke", false, "small counts; check only round trips and package size")
	flag.StringVar(&opts.out, "out", "", "record the results in this file, relative to the repository (make bench RECORD=1: BENCHMARKS.md)")
	flag.StringVar(&opts.bootstrap, "bootstrap", "", "time this orders bootstrap (built for this machine) instead of building src/cmd/orders: a variant to compare")
	flag.StringVar(&opts.only, "only", "", "run only the measures whose names contain this (cold, overhead, rss, ...)")
	flag.Parse()
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
