package main

import (
	"strings"

	"github.com/ietf-tools/liaisond/config"
	"github.com/ietf-tools/liaisond/ingest/parse"
)

// parseOptions tells the parser who we are: our addresses (mail from them, or to their
// sub-addresses, is ours) and the domain of our Message-IDs.
func parseOptions(cfg *config.Config) parse.Options {
	var o parse.Options
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
	if from := cfg.Outgoing.From; from != "" {
		if i, j := strings.LastIndexByte(from, '<'), strings.LastIndexByte(from, '>'); i >= 0 && j > i {
			add(from[i+1 : j])
		} else {
			add(from)
		}
	}
	if cfg.Outgoing.Hostname != "" {
		o.OwnDomains = append(o.OwnDomains, cfg.Outgoing.Hostname)
	}
	return o
}
