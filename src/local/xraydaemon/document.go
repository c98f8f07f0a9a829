package xraydaemon

import (
	"encoding/json"
	"fmt"
)

// Document is a subsegment document the daemon received, as X-Ray reads
// it. Fields a document left out are zero; Raw is the document as sent.
type Document struct {
	Type       string  `json:"type"`
	ID         string  `json:"id"`
	TraceID    string  `json:"trace_id"`
	ParentID   string  `json:"parent_id"`
	Name       string  `json:"name"`
	Namespace  string  `json:"namespace"`
	StartTime  float64 `json:"start_time"`
	EndTime    float64 `json:"end_time"`
	InProgress bool    `json:"in_progress"`
	Fault      bool    `json:"fault"`
	Error      bool    `json:"error"`
	Throttle   bool    `json:"throttle"`
	Cause      *Cause  `json:"cause"`
	// AWS holds an AWS call's operation, region, request_id, table_name
	// or table_names, and retries.
	AWS         map[string]any `json:"aws"`
	HTTP        *HTTP          `json:"http"`
	Annotations map[string]any `json:"annotations"`
	Metadata    map[string]any `json:"metadata"`
	Subsegments []Document     `json:"subsegments"`

	Raw json.RawMessage `json:"-"`
}

// HTTP is a subsegment's HTTP request and response.
type HTTP struct {
	Request  map[string]any `json:"request"`
	Response struct {
		Status        int   `json:"status"`
		ContentLength int64 `json:"content_length"`
	} `json:"response"`
}

// Cause is why a subsegment failed: the id of an exception recorded
// elsewhere, or its exceptions.
type Cause struct {
	ExceptionID string      `json:"-"`
	Exceptions  []Exception `json:"exceptions"`
}

// UnmarshalJSON reads either form of a cause.
func (c *Cause) UnmarshalJSON(raw []byte) error {
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &c.ExceptionID); err != nil {
			return fmt.Errorf("cause: %w", err)
		}
		return nil
	}
	type plain Cause
	if err := json.Unmarshal(raw, (*plain)(c)); err != nil {
		return fmt.Errorf("cause: %w", err)
	}
	return nil
}

// Exception is one error of a cause.
type Exception struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Message string `json:"message"`
	Remote  bool   `json:"remote"`
}
