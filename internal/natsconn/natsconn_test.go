package natsconn

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                  "nats://127.0.0.1:4222",
		"nats://u:s3cret@h:4222":                 "nats://u:xxxxx@h:4222",
		"nats://tok3n@h:4222,nats://a:b@h2:4222": "nats://xxxxx@h:4222,nats://a:xxxxx@h2:4222",
		"tls://h:4222,nats://h2:4222":            "tls://h:4222,nats://h2:4222",
		"u:s3cret@h:4222":                        "(a URL with credentials)",
	} {
		got := Redact(in)
		if got != want || strings.Contains(got, "s3cret") || strings.Contains(got, "tok3n") {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	ok := []Config{
		{URL: "nats://h"},
		{URL: "nats://h", User: "u", Password: "p"},
		{URL: "nats://u:p@h", Password: "p"},
		{URL: "tls://h", CA: "ca.pem", Cert: "c.pem", Key: "k.pem"},
	}
	for _, c := range ok {
		if err := c.Check(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := map[string]Config{
		"give --nats URL":   {},
		"only one of":       {URL: "nats://h", Token: "t", Creds: "f"},
		"needs --nats-user": {URL: "nats://h", Password: "p"},
		"together":          {URL: "nats://h", Key: "k.pem"},
	}
	for want, c := range bad {
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: %v, want an error with %q", c, err, want)
		}
	}
}

func TestWithEnv(t *testing.T) {
	env := map[string]string{EnvPassword: "envpw", EnvToken: "envtok"}
	get := func(k string) string { return env[k] }
	if c := (Config{URL: "nats://h", User: "u", Password: "flagpw"}).WithEnv(get); c.Password != "flagpw" || c.Token != "" {
		t.Errorf("%+v: a given password wins; no token beside a user", c)
	}
	if c := (Config{URL: "nats://h", User: "u"}).WithEnv(get); c.Password != "envpw" || c.Check() != nil {
		t.Errorf("%+v: the password comes from the environment", c)
	}
	if c := (Config{URL: "nats://h"}).WithEnv(get); c.Token != "envtok" || c.Password != "" {
		t.Errorf("%+v: with no method chosen, the token comes from the environment", c)
	}
	if c := (Config{URL: "nats://h", Creds: "f"}).WithEnv(get); c.Token != "" || c.Check() != nil {
		t.Errorf("%+v: a creds file excludes the token", c)
	}
}
