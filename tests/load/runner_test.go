package load

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/go-sam-blueprint/orders/tests/localapi"
)

// runner is a running local API, on loopback, with a moto_server of its own.
type runner struct {
	*localapi.Runner
	stdout *errorLines // the function's log and EMF lines, of which only ERROR lines are kept
}

// startRunner starts the local runner and waits until it serves.
func startRunner(bin string) (*runner, error) {
	out := &errorLines{}
	r, err := localapi.Start(bin, out)
	if err != nil {
		return nil, err
	}
	return &runner{Runner: r, stdout: out}, nil
}

// errorLines reads the function's stdout (a JSON log line and an EMF line
// per request, megabytes over a long run) and keeps only its ERROR lines:
// how many, the first few, and each one's error by correlation id (the
// API Gateway request id, which a problem answer quotes as its instance).
type errorLines struct {
	mu      sync.Mutex
	partial []byte
	lines   int
	errors  int
	first   []string
	causes  map[string]string // correlation id → error
}

const (
	keptErrorLines = 5
	keptCauses     = 10000
)

func (e *errorLines) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.partial = append(e.partial, p...)
	for {
		i := bytes.IndexByte(e.partial, '\n')
		if i < 0 {
			break
		}
		e.line(e.partial[:i])
		e.partial = e.partial[i+1:]
	}
	// Keep the unfinished line only; let the backing array go.
	e.partial = append([]byte(nil), e.partial...)
	return len(p), nil
}

func (e *errorLines) line(l []byte) {
	e.lines++
	if !bytes.Contains(l, []byte(`"level":"ERROR"`)) {
		return
	}
	e.errors++
	if len(e.first) < keptErrorLines {
		e.first = append(e.first, string(l))
	}
	var entry struct {
		CorrelationID string `json:"correlation_id"`
		Error         string `json:"error"`
	}
	if json.Unmarshal(l, &entry) == nil && entry.CorrelationID != "" && len(e.causes) < keptCauses {
		if e.causes == nil {
			e.causes = map[string]string{}
		}
		e.causes[entry.CorrelationID] = entry.Error
	}
}

// Cause is the error the function logged for the request with this
// correlation id; "" when it logged none.
func (e *errorLines) Cause(correlationID string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.causes[correlationID]
}

// Errors is how many ERROR lines the function wrote, and the first few.
func (e *errorLines) Errors() (count int, first []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.errors, append([]string(nil), e.first...)
}
