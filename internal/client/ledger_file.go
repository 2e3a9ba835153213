package client

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// LedgerPath is where the per-minute count of requests made with token against endpoint is
// kept under dir, shared by every process of the machine that uses the same pair. The name
// is a hash of both: the token itself is never written anywhere.
func LedgerPath(dir, token, endpoint string) string {
	sum := sha256.Sum256([]byte("gradient-rate-ledger\x00" + endpoint + "\x00" + token))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+ledgerExt)
}

const ledgerExt = ".minute"

// fileLedger keeps the minute log in a file, under an exclusive advisory lock (flock) for
// the span of each update, so that several provider processes sharing a token (parallel
// pipeline jobs, aliased provider blocks, two applies at once) count their requests
// together. Its format is little-endian int64s: PausedUntil, PaceUntil, TAT, then each
// entry. A version that changes the format or the rules must name its files otherwise
// (ledgerExt): a file is read as this format whoever wrote it, and values that cannot be
// true under these rules are discarded (minuteLog.implausible).
type fileLedger struct {
	f *os.File
}

// maxLedgerEntries bounds what is read from a ledger file: a corrupt or foreign file cannot
// make an update read more than this.
const maxLedgerEntries = 4 * MaxRequestsPerMinute

// ledgerHeader is the number of int64s before the entries.
const ledgerHeader = 3

// staleLedgerAge is how old a ledger file of another token or endpoint must be before
// openFileLedger removes it: its count has long run out, and endpoints such as a test
// server's random port would otherwise pile up.
const staleLedgerAge = 24 * time.Hour

func openFileLedger(path string) (*fileLedger, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	removeStaleLedgers(filepath.Dir(path), path, time.Now().Add(-staleLedgerAge))
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	// Fail now rather than at the first request if the file cannot be locked here. What
	// the file holds is judged at the first update, where a discard can be reported.
	if err := lockFile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("locking the rate ledger: %w", err)
	}
	if err := unlockFile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return &fileLedger{f: f}, nil
}

// removeStaleLedgers removes the ledger files in dir, other than keep, last written before
// cutoff. A process still using one rewrites it at every request, so it is never that old.
func removeStaleLedgers(dir, keep string, cutoff time.Time) {
	paths, _ := filepath.Glob(filepath.Join(dir, "*"+ledgerExt))
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && p != keep && fi.ModTime().Before(cutoff) {
			_ = os.Remove(p)
		}
	}
}

func (l *fileLedger) update(fn func(*minuteLog)) (err error) {
	if err := lockFile(l.f); err != nil {
		return fmt.Errorf("locking the rate ledger: %w", err)
	}
	defer func() {
		if uerr := unlockFile(l.f); err == nil && uerr != nil {
			err = uerr
		}
	}()
	var m minuteLog
	rerr := l.read(&m)
	if rerr != nil {
		// A damaged file is started afresh rather than failing every request, and
		// rewritten so that it is reported once.
		m = minuteLog{damaged: rerr.Error()}
	}
	before := encodeLog(&m)
	fn(&m)
	after := encodeLog(&m)
	if rerr == nil && bytes.Equal(before, after) {
		return nil // a look that changed nothing (Ample, MinuteStats) writes nothing
	}
	return l.write(after)
}

func (l *fileLedger) read(m *minuteLog) error {
	if _, err := l.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	// One entry more than a ledger holds tells a file that holds too many.
	data, err := io.ReadAll(io.LimitReader(l.f, int64(8*(ledgerHeader+maxLedgerEntries+1))))
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return nil
	}
	if len(data)%8 != 0 || len(data) < 8*ledgerHeader {
		return errors.New("rate ledger: damaged file")
	}
	if len(data) > 8*(ledgerHeader+maxLedgerEntries) {
		return fmt.Errorf("rate ledger: more than %d entries", maxLedgerEntries)
	}
	m.PausedUntil = int64(binary.LittleEndian.Uint64(data[0:])) //nolint:gosec // stored from an int64
	m.PaceUntil = int64(binary.LittleEndian.Uint64(data[8:]))   //nolint:gosec // stored from an int64
	m.TAT = int64(binary.LittleEndian.Uint64(data[16:]))        //nolint:gosec // stored from an int64
	m.Sent = make([]int64, 0, len(data)/8-ledgerHeader)
	for off := 8 * ledgerHeader; off < len(data); off += 8 {
		v := int64(binary.LittleEndian.Uint64(data[off:])) //nolint:gosec // stored from an int64
		if n := len(m.Sent); n > 0 && v < m.Sent[n-1] {
			return errors.New("rate ledger: entries out of order")
		}
		m.Sent = append(m.Sent, v)
	}
	return nil
}

func encodeLog(m *minuteLog) []byte {
	data := make([]byte, 0, 8*(ledgerHeader+len(m.Sent)))
	data = binary.LittleEndian.AppendUint64(data, uint64(m.PausedUntil)) //nolint:gosec // round-tripped by read
	data = binary.LittleEndian.AppendUint64(data, uint64(m.PaceUntil))   //nolint:gosec // round-tripped by read
	data = binary.LittleEndian.AppendUint64(data, uint64(m.TAT))         //nolint:gosec // round-tripped by read
	for _, v := range m.Sent {
		data = binary.LittleEndian.AppendUint64(data, uint64(v)) //nolint:gosec // round-tripped by read
	}
	return data
}

func (l *fileLedger) write(data []byte) error {
	if _, err := l.f.WriteAt(data, 0); err != nil {
		return err
	}
	return l.f.Truncate(int64(len(data)))
}

func (l *fileLedger) close() error { return l.f.Close() }
