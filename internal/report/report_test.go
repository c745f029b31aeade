package report

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/detect"
	"github.com/cratesguard/cratesguard/internal/findings"
	"github.com/cratesguard/cratesguard/internal/tokentest"
)

func TestStandIn(t *testing.T) {
	cases := map[string]string{
		"https://example.com/static/app.js":        "example.com/static/app.js",
		"https://Example.COM:443/a.js?v=1#frag":    "example.com/a.js",
		"http://localhost:8080/":                   "localhost_8080/index",
		"http://127.0.0.1:80":                      "127.0.0.1/index",
		"https://example.com/docs/":                "example.com/docs/index",
		"https://[::1]:8443/x.js":                  "--1_8443/x.js",
		"https://example.com/a/../../etc/passwd":   "example.com/etc/passwd",
		"https://example.com/with%20space/x.js":    "example.com/with%20space/x.js",
		"https://example.com/a%5Cb.js":             "example.com/a%5Cb.js",
		"https://host:8080/host:8080/colon:in.js":  "host_8080/host:8080/colon:in.js",
		"https://example.com/dir//double///slash/": "example.com/dir/double/slash/index",
	}
	for in, want := range cases {
		got := findings.StandIn(in)
		if got != want {
			t.Errorf("StandIn(%q) = %q, want %q", in, got, want)
		}
		// What GitHub would see as a scheme: letters before the first colon, before any slash.
		if i := strings.IndexAny(got, ":/"); i >= 0 && got[i] == ':' {
			t.Errorf("StandIn(%q) = %q parses as having a scheme", in, got)
		}
		if strings.ContainsAny(got, " \\") || strings.Contains("/"+got+"/", "/../") {
			t.Errorf("StandIn(%q) = %q has white space, a backslash or ..", in, got)
		}
	}
}

func TestFileURI(t *testing.T) {
	root := t.TempDir()
	in := findings.Location{Target: filepath.Join(root, "dist", "a b.js")}
	if got := URI(in, root); got != "dist/a%20b.js" {
		t.Errorf("inside root: %q", got)
	}
	out := findings.Location{Target: "/elsewhere/x.js"}
	if got := URI(out, root); got != "file:///elsewhere/x.js" {
		t.Errorf("outside root: %q", got)
	}
	colon := findings.Location{Target: filepath.Join(root, "c:d.js")}
	if got := URI(colon, root); got != "./c:d.js" {
		t.Errorf("colon in first segment: %q, want ./c:d.js", got)
	}
}

func sampleReport(t *testing.T) (*findings.Report, []string) {
	src := tokentest.New(20)
	api, tp := src.API(), src.TP()
	c := findings.NewCollector()
	for i, body := range []string{"x='" + api + "'", "\n" + tp + " " + api, "cargo login " + tokentest.Placeholder('0')} {
		for _, m := range detect.Find([]byte(body)) {
			c.Add(m, findings.Location{Target: "https://example.com:8443/" + string(rune('a'+i)) + ".js?q=1", IsURL: true, Order: i})
		}
	}
	c.AddTarget(findings.Target{Target: "https://example.com/down", IsURL: true, Start: true, State: findings.Failed, Reason: "HTTP 503 Service Unavailable"})
	c.AddTarget(findings.Target{Target: "https://example.com:8443/a.js", IsURL: true, Start: true, State: findings.Scanned,
		Warnings: []string{"body larger than --max-bytes"}})
	return c.Report(), []string{api, tp}
}

func TestSARIFShape(t *testing.T) {
	rep, toks := sampleReport(t)
	log, err := SARIF(rep, SARIFOptions{Category: "cratesguard/shard-1-of-2"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := log.PrettyWrite(&buf); err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if strings.Contains(buf.String(), tok) {
			t.Fatal("full token in SARIF")
		}
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Properties map[string]any
						Help       struct{ Text, Markdown string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Message   struct{ Text string }
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
					}
					Properties map[string]any
				}
				RelatedLocations []struct{ ID int }
			}
			Invocations []struct {
				ExecutionSuccessful        bool
				ToolExecutionNotifications []struct{ Level string }
			}
			AutomationDetails struct{ ID string }
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc.Runs[0]
	for i, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %d: ruleIndex %d points at %s, not %s", i, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID, r.RuleID)
		}
		uri := r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		if strings.Contains(uri, "://") || strings.Contains(uri, ":8443") {
			t.Errorf("result %d: URI %q", i, uri)
		}
		if u, _ := r.Locations[0].Properties["url"].(string); !strings.HasPrefix(u, "https://example.com:8443/") {
			t.Errorf("result %d: location url property %q", i, u)
		}
		if !strings.Contains(r.Message.Text, "https://example.com:8443/") {
			t.Errorf("result %d: message does not carry the full URL: %q", i, r.Message.Text)
		}
	}
	if len(run.Results) != 3 || run.Results[0].RuleID != detect.RuleAPIToken || len(run.Results[0].RelatedLocations) != 1 ||
		run.Results[2].Level != "note" {
		t.Errorf("results: %+v", run.Results)
	}
	for _, r := range run.Tool.Driver.Rules {
		s, ok := r.Properties["security-severity"].(string)
		tags, _ := r.Properties["tags"].([]any)
		security := len(tags) > 0 && tags[0] == "security"
		switch r.ID {
		case findings.RulePlaceholder:
			// A placeholder is no security alert: a plain note.
			if ok || security {
				t.Errorf("rule %s: security-severity %v, tags %v: want none, and no security tag", r.ID, s, tags)
			}
		case RuleInactive:
			if v, _ := strconv.ParseFloat(s, 64); !ok || v >= 7 || !security {
				t.Errorf("rule %s: security-severity %q: want a security alert below high", r.ID, s)
			}
		default:
			if v, _ := strconv.ParseFloat(s, 64); !ok || v < 7 || !security {
				t.Errorf("rule %s: security-severity %v: want high or critical", r.ID, r.Properties["security-severity"])
			}
		}
		revokes := strings.Contains(r.Help.Markdown, "crates.io/settings/tokens")
		if strings.Contains(r.Help.Text, "**") || r.Help.Markdown == "" || revokes == (r.ID == findings.RulePlaceholder) {
			t.Errorf("rule %s: help text/markdown malformed", r.ID)
		}
	}
	inv := run.Invocations[0]
	if inv.ExecutionSuccessful || len(inv.ToolExecutionNotifications) != 2 {
		t.Errorf("invocation %+v: want unsuccessful with a failure and a warning", inv)
	}
	if run.AutomationDetails.ID != "cratesguard/shard-1-of-2/" {
		t.Errorf("automationDetails.id %q", run.AutomationDetails.ID)
	}
}

func TestTextAndJSONAreRedacted(t *testing.T) {
	rep, toks := sampleReport(t)
	var text, js bytes.Buffer
	if err := Text(&text, rep, findings.FailOnAny, ""); err != nil {
		t.Fatal(err)
	}
	if err := JSON(&js, rep, findings.FailOnAny); err != nil {
		t.Fatal(err)
	}
	for _, tok := range toks {
		if strings.Contains(text.String(), tok) || strings.Contains(js.String(), tok) {
			t.Fatal("full token in text or JSON output")
		}
		if !strings.Contains(text.String(), tok[:7]+"…") && !strings.Contains(text.String(), tok[:11]+"…") {
			t.Errorf("text output lacks the redacted token")
		}
	}
	for _, want := range []string{"HTTP 503", "larger than --max-bytes", "2 crates.io tokens found (2 failing) and 1 placeholder"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
}

func TestSummaryStaysUnderOneMiB(t *testing.T) {
	rep := &findings.Report{}
	for i := 0; i < 20000; i++ {
		tok := findings.Secret("cio" + strings.Repeat(string(rune('A'+i%26)), 16) + strings.Repeat("b", 16))
		rep.Findings = append(rep.Findings, &findings.Finding{Rule: "crates-io-api-token", Token: tok, SHA256: tok.SHA256(), Occurrences: 1,
			Locations: []findings.Location{{Target: "https://example.com/" + strings.Repeat("p", 40), IsURL: true, Line: i + 1}}})
	}
	s := Markdown(rep, findings.FailOnAny, MarkdownOptions{SARIFPath: "cratesguard.sarif", Root: "/w"})
	if len(s) > SummaryMax || !strings.Contains(s, "…and ") || !strings.Contains(s, "more findings") {
		t.Fatalf("summary of %d bytes (limit %d), 'and N more' line present: %v", len(s), SummaryMax, strings.Contains(s, "…and "))
	}
}

// TestStreamedSARIFIsTheLog: the SARIF written one result at a time is the
// same document SARIF builds whole.
func TestStreamedSARIFIsTheLog(t *testing.T) {
	rep, _ := sampleReport(t)
	opts := SARIFOptions{Category: "c"}
	log, err := SARIF(rep, opts)
	if err != nil {
		t.Fatal(err)
	}
	whole, _ := EncodeSARIF(log)
	var streamed bytes.Buffer
	if _, err := EncodeSARIFTo(&streamed, rep, opts); err != nil {
		t.Fatal(err)
	}
	var a, b any
	if err := json.Unmarshal(whole, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(streamed.Bytes(), &b); err != nil {
		t.Fatalf("streamed SARIF is not JSON: %v\n%s", err, streamed.String())
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Errorf("streamed and whole SARIF differ:\n%s\n---\n%s", whole, streamed.String())
	}
}

// TestSARIFStaysUnderGitHubsSize: past the compressed budgets, results
// lose their related locations, then the rest are left out; the file says
// so, the whole log and the streamed one agree, and nothing is cut when
// the report fits.
func TestSARIFStaysUnderGitHubsSize(t *testing.T) {
	rep, _ := sampleReport(t)
	for _, f := range rep.Findings {
		for i := range 20 {
			f.Locations = append(f.Locations, findings.Location{Target: fmt.Sprintf("https://example.com/extra-%d.js", i), IsURL: true, Line: i + 1})
		}
	}
	opts := SARIFOptions{Category: "c"}
	var whole bytes.Buffer
	cut, err := EncodeSARIFTo(&whole, rep, opts)
	if err != nil || cut.Cut() || cut.Results != len(rep.Findings) {
		t.Fatalf("a small report was cut: %+v, %v", cut, err)
	}
	defer func(r, s int64) { relatedBudget, resultsBudget = r, s }(relatedBudget, resultsBudget)
	for _, c := range []struct {
		related, results int64
		want             func(SARIFCut) bool
	}{
		{1, 1 << 30, func(c SARIFCut) bool { return c.Results == c.Total && c.Related < c.Results }},
		{1, 1, func(c SARIFCut) bool { return c.Results < c.Total }},
	} {
		relatedBudget, resultsBudget = c.related, c.results
		var streamed bytes.Buffer
		cut, err := EncodeSARIFTo(&streamed, rep, opts)
		if err != nil || !c.want(cut) {
			t.Fatalf("budgets %d/%d: cut %+v, %v", c.related, c.results, cut, err)
		}
		var doc struct {
			Runs []struct {
				Results []struct {
					RelatedLocations []any
				}
				Invocations []struct {
					ToolExecutionNotifications []struct {
						Level   string
						Message struct{ Text string }
					}
				}
			}
		}
		if err := json.Unmarshal(streamed.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		run := doc.Runs[0]
		if len(run.Results) != cut.Results {
			t.Errorf("budgets %d/%d: %d results written, the cut says %d", c.related, c.results, len(run.Results), cut.Results)
		}
		for i, r := range run.Results {
			if (len(r.RelatedLocations) > 0) != (i < cut.Related) {
				t.Errorf("result %d: %d related locations, cut %+v", i, len(r.RelatedLocations), cut)
			}
		}
		said := false
		for _, n := range run.Invocations[0].ToolExecutionNotifications {
			said = said || strings.Contains(n.Message.Text, "under GitHub's 10 MB")
		}
		if !said {
			t.Errorf("budgets %d/%d: the cut is not said in the file", c.related, c.results)
		}
		// Written to a file, it is first written whole, found over the
		// budget, and written again, cut: the same bytes.
		path := filepath.Join(t.TempDir(), "r.sarif")
		wcut, err := WriteSARIF(path, rep, opts)
		if b, _ := os.ReadFile(path); err != nil || wcut != cut || !bytes.Equal(b, streamed.Bytes()) {
			t.Errorf("budgets %d/%d: WriteSARIF cut %+v (%v), EncodeSARIFTo %+v; same bytes: %v", c.related, c.results, wcut, err, cut, bytes.Equal(b, streamed.Bytes()))
		}
		log, err := SARIF(rep, opts)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := EncodeSARIF(log)
		var a, b any
		json.Unmarshal(w, &a)
		json.Unmarshal(streamed.Bytes(), &b)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Errorf("budgets %d/%d: streamed and whole SARIF differ", c.related, c.results)
		}
	}
}

// TestTargetNotesStayWithinTheirShare: 5,000 failed URLs of 2 KB each
// would make a SARIF over GitHub's size by their notifications alone, and
// leave no room for results. Their text is bounded, the rest counted in a
// note, and the results are all there.
func TestTargetNotesStayWithinTheirShare(t *testing.T) {
	rep, _ := sampleReport(t)
	r := rand.New(rand.NewPCG(4, 40))
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	for i := range 5000 {
		p := make([]byte, 2000)
		for j := range p {
			p[j] = alnum[r.IntN(len(alnum))]
		}
		rep.Targets = append(rep.Targets, findings.Target{Target: fmt.Sprintf("https://example.com/%s/%d", p, i), IsURL: true,
			State: findings.Failed, Reason: "HTTP 404", Discovered: true, Via: "https://example.com/"})
	}
	var out bytes.Buffer
	cut, err := EncodeSARIFTo(&out, rep, SARIFOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(out.Bytes())
	zw.Close()
	if cut.Cut() || gz.Len() > 4<<20 || !strings.Contains(out.String(), "more notifications about targets were left out") {
		t.Errorf("cut %+v, %d bytes gzip'd, the left-out note present: %v", cut, gz.Len(), strings.Contains(out.String(), "were left out"))
	}
}
