package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpu is the CPU time (user and system) the runner and its children (the
// moto_server it started) have used, from Linux's /proc. It shows which
// of the two a run was bound by; ok is false where /proc cannot tell.
type cpu struct {
	runner, children time.Duration
	ok               bool
}

// clockTick is USER_HZ, the unit of /proc's CPU times: 100 on Linux.
const clockTick = 10 * time.Millisecond

func cpuOf(pid int) cpu {
	own, _, ok := procStat(pid)
	if !ok {
		return cpu{}
	}
	c := cpu{runner: own, ok: true}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		child, _ := strconv.Atoi(filepath.Base(filepath.Dir(path)))
		if used, parent, ok := procStat(child); ok && parent == pid {
			c.children += used
		}
	}
	return c
}

// procStat reads a process's CPU time and parent from /proc/<pid>/stat.
func procStat(pid int) (used time.Duration, parent int, ok bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	// pid (comm) state ppid ... utime stime: comm may hold spaces, so
	// count the fields after its closing parenthesis.
	end := strings.LastIndexByte(string(raw), ')')
	if end < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(raw[end+1:]))
	if len(fields) < 13 {
		return 0, 0, false
	}
	parent, err1 := strconv.Atoi(fields[1])
	utime, err2 := strconv.ParseInt(fields[11], 10, 64)
	stime, err3 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return 0, 0, false
	}
	return time.Duration(utime+stime) * clockTick, parent, true
}

// since is the CPU used between before and c.
func (c cpu) since(before cpu) cpu {
	return cpu{runner: c.runner - before.runner, children: c.children - before.children, ok: c.ok && before.ok}
}
