package cli

import (
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"
)

// NewLogger builds the one root logger of a program: human-readable on a
// terminal, JSON lines otherwise.
// Its writer is serialised: services log from many goroutines.
func NewLogger(w io.Writer, verbose bool) zerolog.Logger {
	return newLogger(w, isTerminalWriter(w), verbose)
}

func newLogger(w io.Writer, console, verbose bool) zerolog.Logger {
	if console {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	w = zerolog.SyncWriter(w)
	lvl := zerolog.InfoLevel
	if verbose {
		lvl = zerolog.DebugLevel
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

func isTerminalWriter(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
