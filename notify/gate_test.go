package notify

import (
	"testing"

	"github.com/ietf-tools/liaisond/store"
)

func TestGateCheck(t *testing.T) {
	g := NewGate(GateConfig{
		Own:     []string{"LS-Intake@example.org"},
		Trusted: []string{"coordinator@example.org", "liaison-coordination@iab.org"},
		Lists:   []string{"3gpp_tsg_ct_wg4@example.com"},
	})
	tests := []struct {
		kind store.OutboxKind
		addr string
		ok   bool
	}{
		{store.KindAck, "tsbsg15@itu.int", true},
		{store.KindAck, "Jane.Doe@Vendor.example", true},
		{store.KindAck, "", false},
		{store.KindAck, "<>", false},
		{store.KindAck, "no-at-sign", false},
		{store.KindAck, "two words@example.com", false},
		{store.KindAck, "MAILER-DAEMON@itu.int", false},
		{store.KindAck, "postmaster@itu.int", false},
		{store.KindAck, "noreply@3gpp.org", false},
		{store.KindAck, "no-reply@etsi.org", false},
		{store.KindAck, "no_reply.tdocs@etsi.org", false},
		{store.KindAck, "donotreply@ieee.org", false},
		{store.KindAck, "do-not-reply@ieee.org", false},
		{store.KindAck, "stds-802-11-request@ieee.org", false},
		{store.KindAck, "owner-sg15@itu.int", false},
		{store.KindAck, "ccamp-bounces@ietf.org", false},
		{store.KindAck, "ls-intake@example.org", false},
		{store.KindAck, "ls-intake+c-abcdef@example.org", false},
		{store.KindConfirm, "ls-intake@example.org", false},
		{store.KindAck, "3GPP_TSG_CT_WG4@example.com", false},
		{store.KindAck, "3gpp_tsg_ct_wg4@list.etsi.org", false},
		{store.KindAck, "wg@lists.example.org", false},
		{store.KindAck, "friends@googlegroups.com", false},
		{store.KindAck, "ccamp@ietf.org", false},
		{store.KindForwarder, "ccamp@ietf.org", false},
		{store.KindAck, "ccamp-chairs@ietf.org", false},
		{store.KindForwarder, "ccamp-chairs@ietf.org", true},
		{store.KindReminder, "ops-ads@ietf.org", true},
		{store.KindAck, "chair@iab.org", false},
		{store.KindAck, "someone@irtf.org", false},
		{store.KindAck, "x-chairs@mail.ietf.org", false},
		{store.KindAck, "liaison-coordination@iab.org", true},
		{store.KindConfirm, "Coordinator@Example.org", true},
		{store.KindAck, "ietf.org@itu.int", true},
	}
	for _, tt := range tests {
		t.Run(string(tt.kind)+" "+tt.addr, func(t *testing.T) {
			err := g.Check(tt.kind, tt.addr)
			if (err == nil) != tt.ok {
				t.Errorf("Check = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestGateScreen(t *testing.T) {
	g := NewGate(GateConfig{Trusted: []string{"cc@iab.org"}})
	to, cc, refused := g.Screen(store.KindAck,
		[]string{"a@itu.int", "A@itu.int", "noreply@itu.int"}, []string{"cc@iab.org", "list@lists.itu.int"})
	if len(to) != 1 || to[0] != "a@itu.int" || len(cc) != 1 || cc[0] != "cc@iab.org" || len(refused) != 2 {
		t.Errorf("to %v cc %v refused %v", to, cc, refused)
	}
	if !g.Trusted("CC@iab.org") || g.Trusted("a@itu.int") {
		t.Error("Trusted")
	}
}
