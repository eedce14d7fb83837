package cli_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/jetcp/jetcp/internal/cli"
)

// testPKI writes a CA and a server certificate for 127.0.0.1 signed by it,
// and returns the CA file and the server's TLS config.
func testPKI(t *testing.T) (string, *tls.Config) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jetcp test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	return caFile, cfg
}

// NATS with TLS and a password, end to end: services and lister connect
// with the CA and the password from the environment; a wrong password or a
// missing CA is one clear line, exit status 2 or 1, and the password never
// appears in any output.
func TestNATSAuthAndTLS(t *testing.T) {
	const password = "pw-Zx81-never-print"
	caFile, tlsCfg := testPKI(t)
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true, Username: "jet", Password: password, TLS: true, TLSConfig: tlsCfg, TLSTimeout: 5})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	url := strings.Replace(ns.ClientURL(), "nats://", "tls://", 1)
	auth := []string{"--nats", url, "--nats-user", "jet", "--nats-ca", caFile}
	t.Setenv("JETCP_NATS_PASSWORD", password)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var logs [2]syncBuffer
	codes := make([]int, 2)
	wg.Go(func() { codes[0] = cli.Committer(ctx, append(auth, "-v"), &logs[0], &logs[0]) })
	wg.Go(func() { codes[1] = cli.Copier(ctx, append(auth, "-v"), &logs[1], &logs[1]) })
	stopped := false
	stop := func() {
		if !stopped {
			cancel()
			wg.Wait()
			stopped = true
		}
	}
	defer stop()

	src := filepath.Join(t.TempDir(), "src")
	files, _ := sampleTree(t, src)
	dst := filepath.Join(t.TempDir(), "dst")
	code, rep, out := runReport(t, append(auth, src, dst)...)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	sameTree(t, src, dst)
	wantCounts(t, rep, int64(files), 0, 0)
	outputs := []string{out}

	t.Setenv("JETCP_NATS_PASSWORD", password+"-wrong")
	code, stdout, errs := run(t, append(auth, src, filepath.Join(t.TempDir(), "dst2"))...)
	if code != cli.ExitUsage || !strings.Contains(errs, "refused the credentials") || strings.Count(errs, "\n") != 1 {
		t.Errorf("wrong password: exit %d, stderr %q", code, errs)
	}
	outputs = append(outputs, stdout, errs)
	code, stdout, errs = run(t, "status", "--nats", url, "--nats-user", "jet", "--nats-password", password+"-wrong2", "--nats-ca", caFile)
	if code != cli.ExitUsage || !strings.Contains(errs, "refused the credentials") {
		t.Errorf("status with a wrong password: exit %d, stderr %q", code, errs)
	}
	outputs = append(outputs, stdout, errs)

	t.Setenv("JETCP_NATS_PASSWORD", password)
	dst3 := filepath.Join(t.TempDir(), "dst3")
	code, stdout, errs = run(t, "--nats", url, "--nats-user", "jet", src, dst3)
	if code != cli.ExitFailed || !strings.Contains(errs, "TLS") || !strings.Contains(errs, "--nats-ca") {
		t.Errorf("no CA: exit %d, stderr %q", code, errs)
	}
	outputs = append(outputs, stdout, errs)
	if _, err := os.Stat(dst3); err == nil {
		t.Errorf("a refused job created its target")
	}

	stop()
	for i, c := range codes {
		if c != cli.ExitOK {
			t.Errorf("service %d exited %d:\n%s", i, c, logs[i].String())
		}
	}
	outputs = append(outputs, logs[0].String(), logs[1].String())
	for _, o := range outputs {
		if strings.Contains(o, password) {
			t.Fatalf("the NATS password appears in output:\n%s", o)
		}
	}
}
