package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/go-sam-blueprint/orders/src/api"
)

func withKey(key string) api.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Idempotency-Key", key)
		return nil
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(t)
	key := "e2e-" + t.Name() + time.Now().Format(time.RFC3339Nano)
	body := api.CreateOrderRequest{CustomerName: "Idem", OrderItemCount: 7}

	first, err := c.CreateOrderWithResponse(ctx, nil, body, withKey(key))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, first.StatusCode(), string(first.Body))
	assert.Empty(t, first.HTTPResponse.Header.Get("Idempotent-Replayed"))

	again, err := c.CreateOrderWithResponse(ctx, nil, body, withKey(key))
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, again.StatusCode(), string(again.Body))
	assert.Equal(t, "true", again.HTTPResponse.Header.Get("Idempotent-Replayed"))
	assert.Equal(t, first.JSON200.Id, again.JSON200.Id)

	other, err := c.CreateOrderWithResponse(ctx, nil, api.CreateOrderRequest{CustomerName: "Idem", OrderItemCount: 8}, withKey(key))
	require.NoError(t, err)
	require.Equal(t, http.StatusUnprocessableEntity, other.StatusCode(), string(other.Body))
	p := problem(t, http.StatusUnprocessableEntity, other.HTTPResponse.Header.Get("Content-Type"), other.Body)
	assert.Contains(t, p.Type, "#idempotency-key-reused")
}

// Parallel creates with one key make one order: each answer is that order
// or 409 with Retry-After.
func TestConcurrentCreatesWithOneKey(t *testing.T) {
	t.Parallel()
	c := newClient(t)
	key := "e2e-concurrent-" + time.Now().Format(time.RFC3339Nano)
	const n = 10
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]int{}
	)
	for range n {
		wg.Go(func() {
			resp, err := c.CreateOrderWithResponse(context.Background(), nil, api.CreateOrderRequest{CustomerName: "Race", OrderItemCount: 1}, withKey(key))
			if err != nil {
				t.Errorf("create: %v", err)
				return
			}
			switch resp.StatusCode() {
			case http.StatusOK:
				mu.Lock()
				ids[resp.JSON200.Id.String()]++
				mu.Unlock()
			case http.StatusConflict:
				assert.NotEmpty(t, resp.HTTPResponse.Header.Get("Retry-After"))
			default:
				t.Errorf("unexpected %d: %s", resp.StatusCode(), resp.Body)
			}
		})
	}
	wg.Wait()
	assert.Len(t, ids, 1, "one order, however many answers")
}

// The premium_features flag shows on the order. Under the local runner the
// flags file is served by the AppConfig Agent stand-in: an edit shows
// within the max age, and a broken file keeps the last good flags.
func TestFeatureFlagChangesTheAnswer(t *testing.T) {
	t.Parallel()
	if os.Getenv("API_URL") != "" {
		t.Skip("API_URL is set: this test edits the local runner's flags file")
	}
	flagsFile := filepath.Join(t.TempDir(), "flags.json")
	write := func(doc string) { require.NoError(t, os.WriteFile(flagsFile, []byte(doc), 0o600)) }
	write(`{"features": {"premium_features": {"default": false, "rules": {"vip": {"when_match": true,
		"conditions": [{"action": "STARTSWITH", "key": "customer_name", "value": "VIP-"}]}}}}}`)
	r, err := startRunner(runnerBin, "FLAGS_FILE="+flagsFile, "APPCONFIG_MAX_AGE_SECONDS=1")
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, r.Stop()) })
	c := newClientAt(t, r)

	count := 0
	premium := func(name string) bool {
		count++ // a new body each time, so that no create is a replay
		resp, err := c.CreateOrderWithResponse(context.Background(), nil, api.CreateOrderRequest{CustomerName: name, OrderItemCount: count})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode(), string(resp.Body))
		return resp.JSON200.Premium
	}
	assert.True(t, premium("VIP-Ada"))
	assert.False(t, premium("Ada"))

	write(`{"features": {"premium_features": {"default": true}}}`)
	require.Eventually(t, func() bool { return premium("Ada") }, 5*time.Second, 200*time.Millisecond,
		"an edit of the flags file shows within the max age")

	write(`{"features": {"premium_features": {"rules": "broken"}}}`)
	time.Sleep(1100 * time.Millisecond) // past the max age: the broken file is read
	assert.True(t, premium("Ada"), "a broken document keeps the last good flags")
}
