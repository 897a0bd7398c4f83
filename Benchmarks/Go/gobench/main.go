// The Go peer client: digitalocean/go-qemu's qmp.SocketMonitor against the same
// peers as qmp-bench, same scenarios, same JSON lines (one per run) for report.py.
// Built in GOPATH mode against Debian's golang-github-digitalocean-go-qemu-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o gobench ./Go/gobench
//
// usage: gobench SOCKET events | SOCKET commands N LABEL
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/digitalocean/go-qemu/qmp"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gobench:", err)
	os.Exit(1)
}

func report(fields map[string]interface{}) {
	fields["client"] = "go-qemu"
	line, err := json.Marshal(fields) // sorted keys, as qmp-bench writes them
	if err != nil {
		fail(err)
	}
	fmt.Println(string(line))
}

func dial(path string) *qmp.SocketMonitor {
	mon, err := qmp.NewSocketMonitor("unix", path, 5*time.Second)
	if err != nil {
		fail(err)
	}
	return mon
}

// events: connect (the peer floods right after negotiation), then read the Events
// channel until FLOOD_END. Timed from Connect on, as qmp-bench times client.connect on.
// go-qemu starts its reader in Connect and drops events until Events() is called, and
// the greeting's json.Decoder may buffer the first events: what it drops is not counted.
func events(path string) {
	mon := dial(path)
	start := time.Now()
	if err := mon.Connect(); err != nil {
		fail(err)
	}
	stream, err := mon.Events(context.Background())
	if err != nil {
		fail(err)
	}
	received := 0
	for event := range stream {
		if event.Event == "FLOOD_END" {
			break
		}
		received++
	}
	elapsed := time.Since(start).Seconds()
	mon.Disconnect()
	report(map[string]interface{}{
		"scenario": "events", "source": "unix socket", "listeners": 1, "events": received,
		"events_per_s": float64(received) / elapsed,
	})
}

var queryStatus = []byte(`{"execute":"query-status"}`)

// commands: sequential Run, then 64 goroutines sharing the monitor. Run holds a mutex
// from write to reply, so the 64 take turns: measured as it is.
func commands(path string, n int, label string) {
	mon := dial(path)
	if err := mon.Connect(); err != nil {
		fail(err)
	}
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := mon.Run(queryStatus); err != nil {
			fail(err)
		}
	}
	sequential := float64(n) / time.Since(start).Seconds()
	per := n / 64
	var wg sync.WaitGroup
	start = time.Now()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if _, err := mon.Run(queryStatus); err != nil {
					fail(err)
				}
			}
		}()
	}
	wg.Wait()
	pipelined := float64(per*64) / time.Since(start).Seconds()
	mon.Disconnect()
	report(map[string]interface{}{
		"scenario": "commands", "target": label, "commands": n,
		"sequential_per_s": sequential, "pipelined_per_s": pipelined,
	})
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: gobench SOCKET events | SOCKET commands N LABEL")
		os.Exit(2)
	}
	switch os.Args[2] {
	case "events":
		events(os.Args[1])
	case "commands":
		n := 20000
		label := "C peer"
		if len(os.Args) > 3 {
			parsed, err := strconv.Atoi(os.Args[3])
			if err != nil {
				fail(err)
			}
			n = parsed
		}
		if len(os.Args) > 4 {
			label = os.Args[4]
		}
		commands(os.Args[1], n, label)
	default:
		fmt.Fprintln(os.Stderr, "usage: gobench SOCKET events | SOCKET commands N LABEL")
		os.Exit(2)
	}
}
