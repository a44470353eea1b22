package main

import (
	"fmt"
	"os"
	"sync"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/ietf-tools/liaisond/config"
)

// logFile is a log destination that SIGHUP can reopen (after logrotate moved it).
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

func (l *logFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func (l *logFile) Sync() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Sync()
}

// reopen opens the file again under its name.
func (l *logFile) reopen() error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("reopening log %s: %w", l.path, err)
	}
	l.mu.Lock()
	old := l.f
	l.f = f
	l.mu.Unlock()
	return old.Close()
}

// newLogger builds the zap logger the [log] section asks for; the returned logFile is nil
// when logging to standard error.
func newLogger(c config.Log) (*zap.Logger, *logFile, error) {
	level, err := zapcore.ParseLevel(c.Level)
	if err != nil {
		return nil, nil, fmt.Errorf("[log] level %q: %w", c.Level, err)
	}
	var enc zapcore.Encoder
	if c.Format == "console" {
		ec := zap.NewDevelopmentEncoderConfig()
		ec.EncodeLevel = zapcore.CapitalColorLevelEncoder
		if os.Getenv("NO_COLOR") != "" {
			ec.EncodeLevel = zapcore.CapitalLevelEncoder
		}
		ec.EncodeTime = zapcore.TimeEncoderOfLayout("15:04:05")
		enc = zapcore.NewConsoleEncoder(ec)
	} else {
		ec := zap.NewProductionEncoderConfig()
		ec.EncodeTime = zapcore.ISO8601TimeEncoder
		enc = zapcore.NewJSONEncoder(ec)
	}
	var out zapcore.WriteSyncer = zapcore.Lock(os.Stderr)
	var lf *logFile
	if c.File != "" {
		f, err := os.OpenFile(c.File, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return nil, nil, fmt.Errorf("[log] file: %w", err)
		}
		lf = &logFile{path: c.File, f: f}
		out = lf
	}
	return zap.New(zapcore.NewCore(enc, out, level)), lf, nil
}
