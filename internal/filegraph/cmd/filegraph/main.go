// Command filegraph prints the file graph of the Go package in each directory given: its
// files by level, what each depends on, and its cycles.
//
//	go run ./internal/filegraph/cmd/filegraph ./internal/provider ./internal/client
package main

import (
	"fmt"
	"os"

	"github.com/gradient-tf/terraform-provider-gradient/internal/filegraph"
)

func main() {
	status := 0
	for _, dir := range os.Args[1:] {
		g, err := filegraph.Load(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			status = 1
			continue
		}
		fmt.Printf("# %s: %d files, %d levels, %d cycles\n%s\n", dir, len(g.Files), len(g.Levels()), len(g.Cycles()), g)
	}
	os.Exit(status)
}
