// Command bench measures the orders service and checks it against its
// performance budgets (make bench): the cold path against a bare handler
// through the real Lambda Runtime API, the handler's own overhead, warm
// latency and DynamoDB round trips against moto_server, the zipped size of
// each function and the peak memory after 1,000 requests.
//
// It prints a table, writes it to BENCHMARKS.md with the machine it ran on,
// and exits non-zero when a budget is missed. -smoke runs small counts and
// checks only the budgets that do not depend on the machine's speed.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	smoke := flag.Bool("smoke", false, "small counts; check only round trips and package size")
	out := flag.String("out", "BENCHMARKS.md", "where to write the results (empty: nowhere)")
	flag.StringVar(&only, "only", "", "run only the measures whose names contain this (cold, overhead, rss, ...)")
	flag.Parse()
	if err := run(*smoke, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
