package flags

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/go-sam-blueprint/orders/src/platform/metrics"
)

// MetricUnavailable counts the times the flags could not be fetched or
// parsed, and older flags or the code's defaults were used instead.
const MetricUnavailable = "FeatureFlagsUnavailable"

// fetchTimeout bounds a call to the agent, which runs beside the function.
const fetchTimeout = time.Second

// maxDocumentBytes bounds a flags document (AppConfig's own limit is 1 MB
// for hosted configurations; flags are a few KB).
const maxDocumentBytes = 1 << 20

// Source reads the flags from the AWS AppConfig Agent Lambda extension and
// keeps them for maxAge. When the agent cannot be reached or serves an
// invalid document, it keeps the last good document, or, before it has
// one, answers every flag with the caller's fallback; it logs a warning
// and counts MetricUnavailable, and never fails the request.
type Source struct {
	url    string
	maxAge time.Duration
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	doc     *Document
	fetched time.Time
}

// NewSource returns a Source for an AppConfig configuration profile.
func NewSource(agentURL, application, environment, profile string, maxAge time.Duration, log *slog.Logger) (*Source, error) {
	base, err := url.Parse(agentURL)
	if err != nil || base.Scheme == "" || base.Host == "" {
		return nil, fmt.Errorf("flags: agent URL %q is not an absolute URL", agentURL)
	}
	if maxAge <= 0 {
		return nil, errors.New("flags: max age must be positive")
	}
	if log == nil {
		return nil, errors.New("flags: nil logger")
	}
	return &Source{
		url:    base.JoinPath("applications", application, "environments", environment, "configurations", profile).String(),
		maxAge: maxAge,
		client: &http.Client{Timeout: fetchTimeout},
		log:    log,
		now:    time.Now,
	}, nil
}

// Bool evaluates a boolean flag for attrs.
func (s *Source) Bool(ctx context.Context, name string, attrs map[string]any, fallback bool) bool {
	doc := s.document(ctx)
	if doc == nil {
		return fallback
	}
	return doc.Bool(name, attrs, fallback)
}

// Document returns the current document, fetching it when it is older than
// the max age; nil when no good document has been seen.
func (s *Source) document(ctx context.Context) *Document {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.fetched.IsZero() && s.now().Sub(s.fetched) < s.maxAge {
		return s.doc
	}
	// Whatever happens, ask again only after maxAge: a broken agent must
	// not cost every request a timeout.
	s.fetched = s.now()
	doc, err := s.fetch(ctx)
	if err != nil {
		metrics.Count(ctx, MetricUnavailable)
		kept := "the code's defaults"
		if s.doc != nil {
			kept = "the last good flags"
		}
		s.log.WarnContext(ctx, "feature flags unavailable; using "+kept, "error", err)
		return s.doc
	}
	s.doc = doc
	return doc
}

func (s *Source) fetch(ctx context.Context) (*Document, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("fetch flags: %w", err)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch flags: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch flags: agent answered %s", resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch flags: %w", err)
	}
	if len(body) > maxDocumentBytes {
		return nil, fmt.Errorf("fetch flags: document over %d bytes", maxDocumentBytes)
	}
	return Parse(body)
}
