// Package xraydaemon is a local stand-in for the X-Ray daemon that Lambda
// runs beside a function with active tracing: a UDP socket that receives
// the function's segment documents, as make run and the tests give
// AWS_XRAY_DAEMON_ADDRESS.
//
// It is stricter than the daemon. The real one checks only each
// datagram's header line and forwards the body to X-Ray, which rejects a
// bad document in a log nobody reads; this one validates every document
// (Check) and keeps what fails, with why (Problems), so a test or a
// developer sees a broken trace at once. CheckTrace checks that a set of
// documents hangs together as one trace.
package xraydaemon

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// MaxKept is how many documents, and how many problems, a Daemon keeps:
// the latest, so that a long make run does not grow without end.
const MaxKept = 10000

// syncWait bounds how long Documents and Problems wait for the datagrams
// sent before them to be read.
const syncWait = time.Second

// Daemon receives and checks segment documents on a UDP port of
// 127.0.0.1. Its methods are safe for concurrent use.
type Daemon struct {
	conn *net.UDPConn
	log  *slog.Logger
	// token starts the datagrams a Daemon sends itself to know that
	// everything sent before them has been read.
	token []byte
	done  chan struct{}
	// stopOnCancel stops the Daemon when Start's context ends.
	stopOnCancel func() bool
	stop         sync.Once
	stopErr      error

	mu       sync.Mutex
	docs     []Document
	problems []string
	received int
	arrived  chan struct{} // closed, and replaced, at every datagram
	seq      int
	syncs    map[string]chan struct{}
}

// Option configures a Daemon.
type Option func(*Daemon)

// WithLogger logs every problem at warning level, and every valid
// document at debug level, as it arrives.
func WithLogger(log *slog.Logger) Option {
	return func(d *Daemon) { d.log = log }
}

// Start listens on a free UDP port of 127.0.0.1 until Stop, or until ctx
// ends.
func Start(ctx context.Context, opts ...Option) (*Daemon, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("xraydaemon: listen: %w", err)
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("xraydaemon: token: %w", err)
	}
	d := &Daemon{
		conn:    pc.(*net.UDPConn),
		token:   []byte("xraydaemon sync " + hex.EncodeToString(raw) + " "),
		done:    make(chan struct{}),
		arrived: make(chan struct{}),
		syncs:   map[string]chan struct{}{},
	}
	for _, o := range opts {
		o(d)
	}
	d.stopOnCancel = context.AfterFunc(ctx, func() { _ = d.conn.Close() })
	go d.read()
	return d, nil
}

// Addr is the address to give a function as AWS_XRAY_DAEMON_ADDRESS.
func (d *Daemon) Addr() string {
	return d.conn.LocalAddr().String()
}

// Documents returns the valid documents received, in arrival order: every
// one sent before the call.
func (d *Daemon) Documents() []Document {
	d.sync()
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.docs)
}

// Problems returns why each datagram that failed Check failed, in arrival
// order, each with the start of the datagram.
func (d *Daemon) Problems() []string {
	d.sync()
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.problems)
}

// Wait waits until n datagrams, valid or not, have arrived in all.
func (d *Daemon) Wait(ctx context.Context, n int) error {
	for {
		d.mu.Lock()
		received, arrived := d.received, d.arrived
		d.mu.Unlock()
		if received >= n {
			return nil
		}
		select {
		case <-arrived:
		case <-d.done:
			return fmt.Errorf("xraydaemon: stopped after %d of %d datagrams", received, n)
		case <-ctx.Done():
			return fmt.Errorf("xraydaemon: %d of %d datagrams: %w", received, n, ctx.Err())
		}
	}
}

// Stop reads what was sent before it, then closes the socket.
func (d *Daemon) Stop() error {
	d.stop.Do(func() {
		d.sync()
		d.stopOnCancel()
		if err := d.conn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			d.stopErr = fmt.Errorf("xraydaemon: close: %w", err)
		}
		<-d.done
	})
	return d.stopErr
}

// sync sends the Daemon a datagram of its own and waits until it reads
// it: on the loopback interface, datagrams queue in the order they were
// sent, so everything sent before has then been read.
func (d *Daemon) sync() {
	d.mu.Lock()
	d.seq++
	token := fmt.Appendf(slices.Clone(d.token), "%d", d.seq)
	read := make(chan struct{})
	d.syncs[string(token)] = read
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.syncs, string(token))
		d.mu.Unlock()
	}()
	self, ok := d.conn.LocalAddr().(*net.UDPAddr)
	if !ok {
		return
	}
	if _, err := d.conn.WriteToUDP(token, self); err != nil {
		return // Stopped: nothing more will be read.
	}
	timer := time.NewTimer(syncWait)
	defer timer.Stop()
	select {
	case <-read:
	case <-d.done:
	case <-timer.C:
	}
}

func (d *Daemon) read() {
	defer close(d.done)
	// One byte more than a datagram may hold, to tell one that was cut.
	buf := make([]byte, MaxDatagram+1)
	for {
		n, from, err := d.conn.ReadFromUDP(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				d.record(Document{}, fmt.Errorf("read: %w", err), nil, nil)
			}
			return
		}
		if bytes.HasPrefix(buf[:n], d.token) {
			d.mu.Lock()
			if read, ok := d.syncs[string(buf[:n])]; ok {
				close(read)
			}
			d.mu.Unlock()
			continue
		}
		doc, err := Check(buf[:n])
		d.record(doc, err, buf[:n], from)
	}
}

// record keeps a datagram's document, or why it failed.
func (d *Daemon) record(doc Document, err error, datagram []byte, from *net.UDPAddr) {
	d.mu.Lock()
	d.received++
	close(d.arrived)
	d.arrived = make(chan struct{})
	if err != nil {
		why := strings.ReplaceAll(err.Error(), "\n", "; ")
		if datagram != nil {
			why += " — datagram: " + clip(string(datagram))
		}
		d.problems = keep(d.problems, why)
	} else {
		d.docs = keep(d.docs, doc)
	}
	d.mu.Unlock()
	if d.log == nil {
		return
	}
	if err != nil {
		d.log.Warn("X-Ray document rejected", "problem", err.Error(), "from", from.String())
		return
	}
	d.log.Debug("X-Ray document", "name", doc.Name, "id", doc.ID, "parent_id", doc.ParentID, "trace_id", doc.TraceID)
}

func keep[T any](list []T, v T) []T {
	if len(list) >= MaxKept {
		list = list[len(list)-MaxKept+1:]
	}
	return append(list, v)
}
