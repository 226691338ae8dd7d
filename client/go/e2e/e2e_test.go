// Package e2e drives a running helmd (HELMD_ADDR) through the generated Go client;
// tests/e2e/tests/go_client.rs starts helmd and runs it.
package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	client "helmd/client/go"
	helmdv1 "helmd/client/go/gen/helmd/v1"
)

func dial(t *testing.T) (*client.Clients, context.Context) {
	t.Helper()
	addr := os.Getenv("HELMD_ADDR")
	if addr == "" {
		t.Skip("HELMD_ADDR is not set: run through tests/e2e (go_client.rs)")
	}
	c, err := client.DialInsecure(addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c, ctx
}

// chart packs a chart the way `helm package` lays it out.
func chart(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, text := range files {
		hdr := &tar.Header{Name: "demo/" + name, Mode: 0o644, Size: int64(len(text))}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func uploaded(archive []byte) *helmdv1.ChartReference {
	return &helmdv1.ChartReference{Source: &helmdv1.ChartReference_Uploaded{
		Uploaded: &helmdv1.UploadedChart{Archive: archive},
	}}
}

func TestRenderChartRendersAnUploadedChart(t *testing.T) {
	c, ctx := dial(t)
	archive := chart(t, map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
		"values.yaml":         "replicas: 1\n",
		"templates/cm.yaml":   "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
		"templates/NOTES.txt": "{{ .Release.Name }} is ready\n",
	})
	resp, err := c.Charts.RenderChart(ctx, &helmdv1.RenderChartRequest{
		Chart:       uploaded(archive),
		ReleaseName: "go-client",
		Namespace:   "team-a",
		Values:      &helmdv1.Values{Set: []string{"replicas=3"}},
	})
	if err != nil {
		t.Fatalf("RenderChart: %v", err)
	}
	if !strings.Contains(resp.GetManifest(), "name: go-client") || !strings.Contains(resp.GetManifest(), `replicas: "3"`) {
		t.Fatalf("unexpected manifest:\n%s", resp.GetManifest())
	}
	if resp.GetNotes() != "go-client is ready\n" {
		t.Fatalf("unexpected notes %q", resp.GetNotes())
	}
	if resp.GetChart().GetName() != "demo" {
		t.Fatalf("unexpected chart metadata %v", resp.GetChart())
	}
}

func TestRenderChartErrorsCarryErrorInfo(t *testing.T) {
	c, ctx := dial(t)
	archive := chart(t, map[string]string{
		"Chart.yaml":        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
		"templates/cm.yaml": "a: {{ required \"db.host is required\" .Values.db }}\n",
	})
	_, err := c.Charts.RenderChart(ctx, &helmdv1.RenderChartRequest{Chart: uploaded(archive)})
	st := status.Convert(err)
	if st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), "db.host is required") {
		t.Fatalf("unexpected status %v", st)
	}
	var reason string
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason = info.GetReason()
		}
	}
	if reason != "TEMPLATE_ERROR" {
		t.Fatalf("ErrorInfo reason %q in %v", reason, st.Details())
	}
}

func TestRepositoriesAndOperationsAreListed(t *testing.T) {
	c, ctx := dial(t)
	repos, err := c.Repositories.ListRepositories(ctx, &helmdv1.ListRepositoriesRequest{PageSize: 10})
	if err != nil {
		t.Fatalf("ListRepositories: %v", err)
	}
	if len(repos.GetRepositories()) != 0 {
		t.Fatalf("a fresh helmd lists repositories: %v", repos.GetRepositories())
	}
	ops, err := c.Operations.ListOperations(ctx, &helmdv1.ListOperationsRequest{PageSize: 10})
	if err != nil {
		t.Fatalf("ListOperations: %v", err)
	}
	if len(ops.GetOperations()) != 0 {
		t.Fatalf("a fresh helmd lists operations: %v", ops.GetOperations())
	}
	_, err = c.Operations.GetOperation(ctx, &helmdv1.GetOperationRequest{OperationId: "00000000-0000-0000-0000-000000000000"})
	if status.Code(err) != codes.NotFound {
		t.Fatalf("GetOperation of an unknown id: %v", err)
	}
	info, err := c.Server.GetServerInfo(ctx, &helmdv1.GetServerInfoRequest{})
	if err != nil || info.GetVersion() == "" {
		t.Fatalf("GetServerInfo: %v %v", info, err)
	}
}
