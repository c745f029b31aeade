// Command proctime runs a command several times and prints the best process
// CPU time (user + system, from the child's rusage, microsecond resolution)
// and the best wall time: proctime [-n 10] command args...
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"
)

func main() {
	n := flag.Int("n", 10, "runs")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: proctime [-n runs] command args...")
		os.Exit(2)
	}
	bestCPU, bestWall := time.Hour, time.Hour
	for range *n {
		cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
		begun := time.Now()
		if err := cmd.Run(); err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				fmt.Fprintln(os.Stderr, "proctime:", err)
				os.Exit(1)
			}
		}
		wall := time.Since(begun)
		cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		bestCPU, bestWall = min(bestCPU, cpu), min(bestWall, wall)
	}
	fmt.Printf("cpu_ms=%.2f wall_ms=%.2f\n", float64(bestCPU.Microseconds())/1000, float64(bestWall.Microseconds())/1000)
}
