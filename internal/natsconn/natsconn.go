// Package natsconn connects jetcp's programs to an external NATS server with
// the usual authentication options, and keeps secrets out of messages.
package natsconn

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/jetcp/jetcp/internal/retry"
)

// Environment variables read for secrets, so they need not appear on a
// command line (where ps shows them).
const (
	EnvPassword = "JETCP_NATS_PASSWORD"
	EnvToken    = "JETCP_NATS_TOKEN"
)

// Config says where the server is and how to authenticate. At most one of
// User/Password, Token, Creds and NKey applies.
type Config struct {
	URL      string // one URL or a comma-separated list (a cluster's seeds)
	User     string
	Password string
	Token    string
	Creds    string // a .creds file (JWT and NKey seed)
	NKey     string // an NKey seed file
	CA       string // PEM CA file to verify the server's certificate (enables TLS)
	Cert     string // client certificate (mutual TLS), with Key
	Key      string
}

// Flag is one connection option, for the programs' flag parsers.
type Flag struct {
	Name  string
	Usage string
	Set   func(c *Config, v string)
}

// Flags are the connection options every program takes besides --nats.
var Flags = []Flag{
	{"nats-user", "NATS user name (password from $" + EnvPassword + ")", func(c *Config, v string) { c.User = v }},
	{"nats-password", "NATS password (prefer $" + EnvPassword + ": a command line is visible to ps)", func(c *Config, v string) { c.Password = v }},
	{"nats-token", "NATS token (prefer $" + EnvToken + ")", func(c *Config, v string) { c.Token = v }},
	{"nats-creds", "NATS credentials file (JWT and NKey seed)", func(c *Config, v string) { c.Creds = v }},
	{"nats-nkey", "NATS NKey seed file", func(c *Config, v string) { c.NKey = v }},
	{"nats-ca", "CA certificate (PEM) that signed the NATS server's certificate; enables TLS", func(c *Config, v string) { c.CA = v }},
	{"nats-cert", "client certificate (PEM) for mutual TLS, with --nats-key", func(c *Config, v string) { c.Cert = v }},
	{"nats-key", "client key (PEM) for mutual TLS, with --nats-cert", func(c *Config, v string) { c.Key = v }},
}

// WithEnv fills the secrets not given as options from the environment: the
// password for a user, the token when no other method is chosen.
func (c Config) WithEnv(getenv func(string) string) Config {
	if c.Password == "" && c.User != "" {
		c.Password = getenv(EnvPassword)
	}
	if c.Token == "" && c.User == "" && c.Creds == "" && c.NKey == "" {
		c.Token = getenv(EnvToken)
	}
	return c
}

// Check reports contradictory options, naming the fix.
func (c Config) Check() error {
	if c.URL == "" {
		return errors.New("give --nats URL of the JetStream server, e.g. nats://127.0.0.1:4222")
	}
	n := 0
	for _, set := range []bool{c.User != "", c.Token != "", c.Creds != "", c.NKey != ""} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New("give only one of --nats-user, --nats-token, --nats-creds and --nats-nkey")
	}
	if c.Password != "" && c.User == "" && !strings.Contains(c.URL, "@") {
		return errors.New("a NATS password needs --nats-user")
	}
	if (c.Cert == "") != (c.Key == "") {
		return errors.New("give --nats-cert and --nats-key together")
	}
	return nil
}

// Options turns the config into nats.go options.
func (c Config) Options() ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case c.User != "":
		opts = append(opts, nats.UserInfo(c.User, c.Password))
	case c.Token != "":
		opts = append(opts, nats.Token(c.Token))
	case c.Creds != "":
		opts = append(opts, nats.UserCredentials(c.Creds))
	case c.NKey != "":
		o, err := nats.NkeyOptionFromSeed(c.NKey)
		if err != nil {
			return nil, fmt.Errorf("--nats-nkey %s: %w", c.NKey, err)
		}
		opts = append(opts, o)
	}
	if c.CA != "" {
		opts = append(opts, nats.RootCAs(c.CA))
	}
	if c.Cert != "" {
		opts = append(opts, nats.ClientCert(c.Cert, c.Key))
	}
	return opts, nil
}

// Connect connects once, failing within timeout when the server is not
// there (a user waiting at a shell wants to know now).
func Connect(c Config, name string, timeout time.Duration, extra ...nats.Option) (*nats.Conn, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	opts, err := c.Options()
	if err != nil {
		return nil, err
	}
	opts = append(opts, nats.Name(name), nats.Timeout(timeout))
	opts = append(opts, extra...)
	nc, err := nats.Connect(c.URL, opts...)
	if err != nil {
		return nil, describe(c, err)
	}
	return nc, nil
}

// ConnectRetry keeps trying until ctx ends, for services started before
// their server (compose, Kubernetes); a refused authentication ends it at
// once, since retrying cannot fix it.
func ConnectRetry(ctx context.Context, c Config, name string, onRetry func(error), extra ...nats.Option) (*nats.Conn, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	var nc *nats.Conn
	var last error
	p := retry.Policy{Attempts: retry.Forever, Backoff: 250 * time.Millisecond, Max: 5 * time.Second, Permanent: IsAuth}
	err := p.Do(ctx, func(context.Context) error {
		nc, last = Connect(c, name, 5*time.Second, extra...)
		if last != nil && !IsAuth(last) && onRetry != nil {
			onRetry(last)
		}
		return last
	})
	if err != nil && err != last {
		return nil, fmt.Errorf("%w (gave up: %w)", last, err) // ctx ended in a pause
	}
	return nc, err
}

// IsAuth reports whether the server refused our credentials.
func IsAuth(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || errors.Is(err, nats.ErrAccountAuthExpired) ||
		strings.Contains(strings.ToLower(fmt.Sprint(err)), "authorization violation")
}

// describe turns a connect error into one line naming the fix.
func describe(c Config, err error) error {
	where := Redact(c.URL)
	switch {
	case IsAuth(err):
		return fmt.Errorf("NATS at %s refused the credentials: %w (check --nats-user/$%s, --nats-token/$%s, --nats-creds or --nats-nkey)",
			where, err, EnvPassword, EnvToken)
	case strings.Contains(err.Error(), "x509") || strings.Contains(err.Error(), "tls"):
		return fmt.Errorf("TLS with NATS at %s failed: %w (check --nats-ca, --nats-cert and --nats-key, and use a tls:// URL)", where, err)
	default:
		return fmt.Errorf("connect to NATS at %s: %w (is the server running? check --nats)", where, err)
	}
}

// Redact hides passwords and tokens in URLs (nats://user:secret@host).
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil || u.User == nil {
			if strings.Contains(p, "@") {
				parts[i] = "(a URL with credentials)"
			}
			continue
		}
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		} else {
			u.User = url.User("xxxxx") // a bare token in the user part
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// Replicas is the stream replication a connection's server calls for: 3 in
// a cluster of three or more servers (what survives a node loss), else 1.
func Replicas(nc *nats.Conn) int {
	if nc.ConnectedClusterName() == "" {
		return 1
	}
	return min(3, len(nc.Servers()))
}
