package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	liaisond "github.com/ietf-tools/liaisond"
)

// The Datatracker's tastypie API shape: statements, their events and their attachments as
// separate lists of objects, linked by resource URIs (reference/datatracker.md, 3.2).
type tastypieList[T any] struct {
	Meta    tastypieMeta `json:"meta"`
	Objects []T          `json:"objects"`
}

type tastypieMeta struct {
	Limit      int     `json:"limit"`
	Next       *string `json:"next"`
	Offset     int     `json:"offset"`
	Previous   *string `json:"previous"`
	TotalCount int     `json:"total_count"`
}

type dtStatement struct {
	ID                   string   `json:"id"`
	ResourceURI          string   `json:"resource_uri"`
	Title                string   `json:"title"`
	FromGroups           []string `json:"from_groups"`
	FromContact          string   `json:"from_contact"`
	ToGroups             []string `json:"to_groups"`
	ToContacts           string   `json:"to_contacts"`
	ResponseContacts     string   `json:"response_contacts"`
	TechnicalContacts    string   `json:"technical_contacts"`
	ActionHolderContacts string   `json:"action_holder_contacts"`
	CcContacts           string   `json:"cc_contacts"`
	Purpose              string   `json:"purpose"`
	Deadline             *string  `json:"deadline"`
	OtherIdentifiers     string   `json:"other_identifiers"`
	Body                 string   `json:"body"`
	Tags                 []string `json:"tags"`
	Attachments          []string `json:"attachments"`
	State                string   `json:"state"`
}

type dtEvent struct {
	ID          string `json:"id"`
	ResourceURI string `json:"resource_uri"`
	Time        string `json:"time"`
	Type        string `json:"type"`
	By          string `json:"by"`
	Statement   string `json:"statement"`
	Desc        string `json:"desc"`
}

type dtAttachment struct {
	ID          string `json:"id"`
	ResourceURI string `json:"resource_uri"`
	Removed     bool   `json:"removed"`
	Statement   string `json:"statement"`
	Document    string `json:"document"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

type dtExport struct {
	Statements  tastypieList[dtStatement]  `json:"liaisonstatement"`
	Events      tastypieList[dtEvent]      `json:"liaisonstatementevent"`
	Attachments tastypieList[dtAttachment] `json:"liaisonstatementattachment"`
}

const apiBase = "/api/v1/"

func mailboxes(cs []liaisond.Contact) string {
	var s []string
	for _, c := range cs {
		s = append(s, c.String())
	}
	return strings.Join(s, ", ")
}

// groupURI names a group by its Datatracker-style acronym ("ITU-T SG15" → itu-t-sg15).
func groupURI(g string) string {
	g = strings.TrimPrefix(g, "IETF ")
	g = strings.TrimSuffix(g, " WG")
	return apiBase + "group/group/" + strings.ToLower(strings.NewReplacer(" ", "-", "/", "-").Replace(g)) + "/"
}

func exportRecords(w io.Writer, recs []liaisond.Record) error {
	var out dtExport
	for _, r := range recs {
		uri := apiBase + "liaisons/liaisonstatement/" + r.ID + "/"
		s := dtStatement{
			ID: r.ID, ResourceURI: uri, Title: r.Title,
			ToContacts: mailboxes(r.ToContacts), ResponseContacts: mailboxes(r.ResponseContacts),
			TechnicalContacts: mailboxes(r.TechnicalContacts), CcContacts: mailboxes(r.CcContacts),
			OtherIdentifiers: strings.Join(r.OtherIdentifiers, ", "), Body: r.Body,
			State:      apiBase + "name/liaisonstatementstate/" + string(r.State) + "/",
			FromGroups: []string{}, ToGroups: []string{}, Tags: []string{}, Attachments: []string{},
		}
		if r.FromContact != nil {
			s.FromContact = r.FromContact.String()
		}
		if r.Purpose != "" {
			s.Purpose = apiBase + "name/liaisonstatementpurposename/" + string(r.Purpose) + "/"
		}
		if r.Deadline != "" {
			d := r.Deadline
			s.Deadline = &d
		}
		for _, g := range r.FromGroups {
			s.FromGroups = append(s.FromGroups, groupURI(g))
		}
		for _, g := range r.ToGroups {
			s.ToGroups = append(s.ToGroups, groupURI(g))
		}
		for _, t := range r.Tags {
			s.Tags = append(s.Tags, apiBase+"name/liaisonstatementtagname/"+t+"/")
		}
		for i, a := range r.Attachments {
			id := fmt.Sprintf("%s-%d", r.ID, i+1)
			doc := apiBase + "doc/document/liaison-" + strings.ToLower(r.ID) + "-attachment-" + fmt.Sprint(i+1) + "/"
			s.Attachments = append(s.Attachments, doc)
			out.Attachments.Objects = append(out.Attachments.Objects, dtAttachment{
				ID: id, ResourceURI: apiBase + "liaisons/liaisonstatementattachment/" + id + "/", Statement: uri,
				Document: doc, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
			})
		}
		out.Statements.Objects = append(out.Statements.Objects, s)
		for i, e := range r.Events {
			id := fmt.Sprintf("%s-%d", r.ID, i+1)
			out.Events.Objects = append(out.Events.Objects, dtEvent{
				ID: id, ResourceURI: apiBase + "liaisons/liaisonstatementevent/" + id + "/",
				Time: e.Time.UTC().Format("2006-01-02T15:04:05"), Type: apiBase + "name/liaisonstatementeventtypename/" + string(e.Kind) + "/",
				By: e.Actor, Statement: uri, Desc: e.Text,
			})
		}
	}
	for _, l := range []*tastypieMeta{&out.Statements.Meta, &out.Events.Meta, &out.Attachments.Meta} {
		l.Limit = 0
	}
	out.Statements.Meta.TotalCount = len(out.Statements.Objects)
	out.Events.Meta.TotalCount = len(out.Events.Objects)
	out.Attachments.Meta.TotalCount = len(out.Attachments.Objects)
	if out.Statements.Objects == nil {
		out.Statements.Objects = []dtStatement{}
	}
	if out.Events.Objects == nil {
		out.Events.Objects = []dtEvent{}
	}
	if out.Attachments.Objects == nil {
		out.Attachments.Objects = []dtAttachment{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
