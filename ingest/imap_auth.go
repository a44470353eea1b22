package ingest

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/emersion/go-sasl"
)

// xoauth2Client is the SASL XOAUTH2 mechanism (Google, Microsoft 365), which go-sasl does
// not have: one initial response carrying the user and the bearer token. On failure the
// server sends a JSON challenge describing the error and expects an empty response,
// after which it answers NO.
type xoauth2Client struct {
	username, token string
	// failure is the status the server reported in its error challenge, if any.
	failure string
}

var _ sasl.Client = (*xoauth2Client)(nil)

func newXOAuth2Client(username, token string) *xoauth2Client {
	return &xoauth2Client{username: username, token: token}
}

func (c *xoauth2Client) Start() (mech string, ir []byte, err error) {
	if c.token == "" {
		return "", nil, errors.New("xoauth2: empty token")
	}
	return "XOAUTH2", []byte("user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	var e struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(challenge, &e) == nil && e.Status != "" {
		c.failure = e.Status
	} else {
		c.failure = fmt.Sprintf("%.100q", challenge)
	}
	return []byte{}, nil
}
