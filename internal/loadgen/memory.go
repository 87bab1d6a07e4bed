package loadgen

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a process's resident memory as Linux reports it in
// /proc/PID/status, in bytes.
type Memory struct {
	// RSS is the resident set size now (VmRSS).
	RSS int64
	// HWM is the peak resident set size so far (VmHWM).
	HWM int64
}

// ReadMemory reads the resident memory of process pid on this machine
// (Linux only).
func ReadMemory(pid int) (Memory, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("loadgen: read the memory of process %d: %w", pid, err)
	}
	var m Memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("loadgen: process %d: %s %q: %w", pid, key, value, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
		found++
	}
	if found != 2 {
		return Memory{}, fmt.Errorf("loadgen: process %d reports no VmRSS/VmHWM (a kernel thread, or not Linux?)", pid)
	}
	return m, nil
}

// memorySampler records the peak resident memory of a process.
type memorySampler struct {
	pid  int
	done chan struct{}
	wg   sync.WaitGroup
	peak int64
}

// sampleMemory samples pid's resident memory every interval until stop.
func sampleMemory(pid int, every time.Duration) (*memorySampler, error) {
	m, err := ReadMemory(pid)
	if err != nil {
		return nil, err
	}
	s := &memorySampler{pid: pid, done: make(chan struct{}), peak: m.RSS}
	s.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if m, err := ReadMemory(pid); err == nil {
					s.peak = max(s.peak, m.RSS)
				}
			}
		}
	})
	return s, nil
}

// stop ends sampling and returns the peak sampled RSS and the process's
// high-water mark now (0 if it is gone).
func (s *memorySampler) stop() (peakRSS, hwm int64) {
	close(s.done)
	s.wg.Wait()
	if m, err := ReadMemory(s.pid); err == nil {
		s.peak = max(s.peak, m.RSS)
		hwm = m.HWM
	}
	return s.peak, hwm
}
