package main

import (
	"strings"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest/parse"
)

// parseOptions tells the parser who we are: our addresses (mail from them, or to their
// sub-addresses, is ours) and the domain of our Message-IDs.
func parseOptions(cfg *config.Config) parse.Options {
	o := parse.Options{SDODomains: cfg.Ack.SDODomains}
	add := func(a string) {
		if a = strings.TrimSpace(a); a != "" {
			o.OwnAddresses = append(o.OwnAddresses, a)
		}
	}
	add(cfg.Confirm.ReplyAddress)
	for _, s := range cfg.SMTP {
		for _, r := range s.Recipients {
			add(r)
		}
		if o.TrustedAuthServID == "" {
			o.TrustedAuthServID = s.TrustedAuthservID
		}
	}
	if from, err := parseMailbox(cfg.Outgoing.From); err == nil {
		add(from.Email)
	}
	// Our Message-IDs end in the outgoing hostname, or the From's domain without one (as
	// the composer makes them).
	if h := cfg.Outgoing.Hostname; h != "" {
		o.OwnDomains = append(o.OwnDomains, h)
	} else if from, err := parseMailbox(cfg.Outgoing.From); err == nil {
		if i := strings.LastIndexByte(from.Email, '@'); i >= 0 {
			o.OwnDomains = append(o.OwnDomains, from.Email[i+1:])
		}
	}
	return o
}
