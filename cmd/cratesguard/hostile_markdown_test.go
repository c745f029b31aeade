package main

// Hostile content, class 3: the job summary is GitHub-flavoured markdown;
// nothing an event payload or a scanned site supplies may give it
// structure: no heading, link, image, HTML or table row of its own.

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/cratesguard/cratesguard/internal/tokentest"
)

const hostileMarkdown = "v1`\r\n# Owned\n[click here](https://evil.example/login) ![](https://evil.example/track.png) " +
	"<img src=https://evil.example/t.png> | --- | x |\r| a | b |\n***bold*** www.evil.example evil@example.com"

func TestSummaryCannotBeGivenStructure(t *testing.T) {
	tok := tokentest.New(270).API()
	srv := leakySite(t, tok)
	tag, _ := json.Marshal(hostileMarkdown)
	release := fmt.Sprintf(`{"action":"published","release":{"tag_name":%s}}`, tag)
	res := newRunner(t, "release", release).input("urls", srv.URL+"/").run()
	if res.code != 1 || !strings.Contains(res.summary, "Scanned after release") {
		t.Fatalf("exit %d\n%s", res.code, res.summary)
	}
	checkNoControl(t, "summary", res.summary)
	checkRendered(t, cmarkGFM(t, res.summary), 2) // the header row and one finding

	deployment := fmt.Sprintf(`{"deployment_status":{"state":"success","environment_url":%q},"deployment":{"environment":%s}}`, srv.URL+"/", tag)
	res = newRunner(t, "deployment_status", deployment).run()
	if res.code != 1 {
		t.Fatalf("deployment: exit %d\n%s", res.code, res.stdout)
	}
	checkRendered(t, cmarkGFM(t, res.summary), 2)
}
