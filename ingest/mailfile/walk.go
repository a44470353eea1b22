package mailfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultMaxMessageBytes is the per-message limit of Walk and of a zero Walker: 50 MiB, as
// for the SMTP listener.
const DefaultMaxMessageBytes = 50 << 20

// Walker reads messages from files. The zero Walker uses DefaultMaxMessageBytes.
type Walker struct {
	// MaxMessageBytes is the largest message handed out with its data; a larger one is
	// handed out with Err wrapping ErrTooLarge. 0 means DefaultMaxMessageBytes.
	MaxMessageBytes int64
}

// Walk calls fn for every message at path with a zero Walker; see Walker.Walk.
func Walk(path string, fn func(m Message) error) error {
	return Walker{}.Walk(path, fn)
}

// Walk calls fn for every message at path, one at a time and in order, reading as it goes:
// an mbox of any size is never held in memory whole. How path is read follows Detect.
// A message that cannot be read whole (too large, an unreadable file in a folder) is still
// handed to fn, with Err set. Walk stops at the first error from fn and returns it
// unchanged; other errors (path missing, an mbox failing mid-read) are wrapped and name
// the file.
func (w Walker) Walk(path string, fn func(m Message) error) error {
	kind, err := Detect(path)
	if err != nil {
		return err
	}
	switch kind {
	case Maildir:
		return w.walkMaildir(path, "", fn)
	case Folder:
		return w.walkFolder(path, "", fn)
	}
	return w.walkFile(path, filepath.Base(path), fn)
}

func (w Walker) max() int64 {
	if w.MaxMessageBytes > 0 {
		return w.MaxMessageBytes
	}
	return DefaultMaxMessageBytes
}

// walkFile reads one file, an mbox or a single message, naming its messages after name.
// A file that cannot be opened is reported to fn as a message with Err.
func (w Walker) walkFile(path, name string, fn func(Message) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fn(Message{Name: name, Err: fmt.Errorf("mailfile: %w", err)})
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, mboxBufSize)
	mbox, err := startsWithFrom(br)
	if err != nil {
		return fn(Message{Name: name, Err: fmt.Errorf("mailfile: reading %s: %w", path, err)})
	}
	if mbox {
		return splitMbox(br, name, w.max(), mboxBufSize, fn)
	}
	return fn(w.readWhole(br, path, name))
}

// readWhole reads one message from r, up to the limit.
func (w Walker) readWhole(r io.Reader, path, name string) Message {
	data, err := io.ReadAll(io.LimitReader(r, w.max()+1))
	switch {
	case err != nil:
		return Message{Name: name, Err: fmt.Errorf("mailfile: reading %s: %w", path, err)}
	case int64(len(data)) > w.max():
		return Message{Name: name, Err: fmt.Errorf("mailfile: %s: %w (over %d bytes)", name, ErrTooLarge, w.max())}
	}
	return Message{Name: name, Data: data}
}

// walkMaildir reads new/ then cur/ of a Maildir, each in name order (which is arrival order
// for the usual time-prefixed names); tmp/ holds deliveries in progress and is skipped.
func (w Walker) walkMaildir(dir, rel string, fn func(Message) error) error {
	for _, sub := range []string{"new", "cur"} {
		entries, err := readDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			name := filepath.ToSlash(filepath.Join(rel, sub, e.Name()))
			if err := w.walkSingle(filepath.Join(dir, sub, e.Name()), name, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// walkSingle reads a Maildir file: always one message, even if it starts with "From ".
func (w Walker) walkSingle(path, name string, fn func(Message) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fn(Message{Name: name, Err: fmt.Errorf("mailfile: %w", err)})
	}
	defer f.Close()
	return fn(w.readWhole(f, path, name))
}

// folderExts are the files a plain folder walk reads; others are skipped.
var folderExts = map[string]bool{".eml": true, ".mbox": true, ".mbx": true}

// walkFolder reads a folder's .eml and .mbox files and its subfolders in name order;
// a subfolder that is a Maildir is read as one. Hidden entries are skipped.
func (w Walker) walkFolder(dir, rel string, fn func(Message) error) error {
	entries, err := readDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		name := filepath.ToSlash(filepath.Join(rel, e.Name()))
		switch {
		case e.IsDir() && isMaildir(path):
			err = w.walkMaildir(path, name, fn)
		case e.IsDir():
			err = w.walkFolder(path, name, fn)
		case e.Type().IsRegular() && folderExts[strings.ToLower(filepath.Ext(e.Name()))]:
			err = w.walkFile(path, name, fn)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// readDir lists a folder sorted by name.
func readDir(dir string) ([]os.DirEntry, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mailfile: listing %w", err)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, nil
}
