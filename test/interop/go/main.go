// Command switchboard-interop drives the official centrifuge-go SDK against a server for the
// interop suite (test/interop): it connects, subscribes to one channel, prints one JSON line per
// SDK event on stdout and runs line commands read from stdin. The TypeScript harness
// (test/interop/harness.ts) starts it, reads the events and sends the commands; the Python client
// (test/interop/python/client.py) speaks the same lines.
//
// Events: started, connecting, connected, disconnected, error, subscribing, subscribed,
// unsubscribed, publication, presence, history, done (a command finished). Commands: presence [channel],
// history [channel] [limit], disconnect, connect, quit. A command's result carries
// "command"; a failed command prints an error event with "command" and the error's code.
//
// With -delta fossil the subscription asks for Fossil delta compression; its publication events
// then carry "delta", whether the frame held a delta (see wireDeltas).
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge-go"
)

// sdkVersion is the centrifuge-go version go.mod pins; reported in the started event.
const sdkVersion = "v0.12.1"

var out = struct {
	sync.Mutex
	enc *json.Encoder
}{enc: json.NewEncoder(os.Stdout)}

// emit prints one event line. SDK handlers run on the SDK's own goroutine and commands on the
// main one, so lines are written under a lock, whole.
func emit(event string, fields map[string]any) {
	line := map[string]any{"event": event}
	for k, v := range fields {
		line[k] = v
	}
	out.Lock()
	defer out.Unlock()
	if err := out.enc.Encode(line); err != nil {
		fmt.Fprintln(os.Stderr, "encode:", err)
	}
}

// payload is publication data as the test published it: JSON stays JSON (the JSON protocol sends
// it as is, the protobuf protocol as the same bytes); anything else is reported in base64.
func payload(data []byte) map[string]any {
	if len(data) > 0 && json.Valid(data) {
		return map[string]any{"data": json.RawMessage(data)}
	}
	return map[string]any{"dataBase64": base64.StdEncoding.EncodeToString(data)}
}

func publication(p centrifuge.Publication) map[string]any {
	fields := payload(p.Data)
	fields["offset"] = p.Offset
	if len(p.Tags) > 0 {
		fields["tags"] = p.Tags
	}
	return fields
}

// errorFields names an error by its protocol code where it has one, as the tests assert codes.
func errorFields(err error) map[string]any {
	fields := map[string]any{"message": err.Error()}
	var protocolErr *centrifuge.Error
	if errors.As(err, &protocolErr) {
		fields["code"] = protocolErr.Code
	}
	return fields
}

func commandError(command string, err error) {
	fields := errorFields(err)
	fields["command"] = command
	emit("error", fields)
}

// wireDeltas learns from the SDK's trace log whether each publication arrived as a delta: the SDK
// applies deltas itself and its PublicationEvent does not say, but its trace of every incoming
// reply and push does. Keyed by offset, as the program subscribes to one channel. The trace goes
// through the SDK's log goroutine, so a publication handler may run before its entry is recorded;
// lookup waits for it a little.
type wireDeltas struct {
	mu   sync.Mutex
	seen map[uint64]bool
}

// wirePublication is a traced publication: json.Marshal of the protocol struct, or protojson when
// the data is not JSON (a Protobuf delta), which writes a uint64 offset as a string.
type wirePublication struct {
	Offset json.Number `json:"offset"`
	Delta  bool        `json:"delta"`
}

func (w *wireDeltas) record(entry centrifuge.LogEntry) {
	if entry.Message != "<-in--" {
		return
	}
	var pubs []wirePublication
	if raw, ok := entry.Fields["push"]; ok {
		var push struct {
			Pub *wirePublication `json:"pub"`
		}
		if json.Unmarshal([]byte(raw), &push) == nil && push.Pub != nil {
			pubs = append(pubs, *push.Pub)
		}
	} else if raw, ok := entry.Fields["reply"]; ok {
		var reply struct {
			Subscribe *struct {
				Publications []wirePublication `json:"publications"`
			} `json:"subscribe"`
		}
		if json.Unmarshal([]byte(raw), &reply) == nil && reply.Subscribe != nil {
			pubs = reply.Subscribe.Publications
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range pubs {
		if offset, err := strconv.ParseUint(p.Offset.String(), 10, 64); err == nil {
			w.seen[offset] = p.Delta
		}
	}
}

// lookup says whether the publication at offset came as a delta; ok is false when its frame was
// not traced (the SDK drops log entries when its log buffer is full).
func (w *wireDeltas) lookup(offset uint64) (delta bool, ok bool) {
	for deadline := time.Now().Add(500 * time.Millisecond); ; time.Sleep(time.Millisecond) {
		w.mu.Lock()
		delta, ok = w.seen[offset]
		w.mu.Unlock()
		if ok || time.Now().After(deadline) {
			return delta, ok
		}
	}
}

type session struct {
	client  *centrifuge.Client
	channel string
	timeout time.Duration
}

// commands are the stdin commands; a scenario step the suite needs later is one more entry.
var commands = map[string]func(s *session, args []string) error{
	"presence": func(s *session, args []string) error {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		channel := argOr(args, 0, s.channel)
		res, err := s.client.Presence(ctx, channel)
		if err != nil {
			return err
		}
		clients := make([]map[string]any, 0, len(res.Clients))
		for _, info := range res.Clients {
			clients = append(clients, map[string]any{"client": info.Client, "user": info.User})
		}
		sort.Slice(clients, func(i, j int) bool {
			return clients[i]["client"].(string) < clients[j]["client"].(string)
		})
		emit("presence", map[string]any{"command": "presence", "channel": channel, "clients": clients})
		return nil
	},
	"history": func(s *session, args []string) error {
		ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
		defer cancel()
		channel := argOr(args, 0, s.channel)
		limit, err := strconv.Atoi(argOr(args, 1, "-1"))
		if err != nil {
			return fmt.Errorf("history: limit %q is not a number", args[1])
		}
		res, err := s.client.History(ctx, channel, centrifuge.WithHistoryLimit(int32(limit)))
		if err != nil {
			return err
		}
		pubs := make([]map[string]any, 0, len(res.Publications))
		for _, p := range res.Publications {
			pubs = append(pubs, publication(p))
		}
		emit("history", map[string]any{
			"command": "history", "channel": channel, "offset": res.Offset, "epoch": res.Epoch, "publications": pubs,
		})
		return nil
	},
	"disconnect": func(s *session, _ []string) error { return s.client.Disconnect() },
	"connect":    func(s *session, _ []string) error { return s.client.Connect() },
}

func argOr(args []string, i int, fallback string) string {
	if i < len(args) {
		return args[i]
	}
	return fallback
}

func main() {
	url := flag.String("url", "", "server WebSocket URL, ws://host:port/connection/websocket")
	token := flag.String("token", "", "connection token (JWT)")
	channel := flag.String("channel", "", "channel to subscribe to at start (none when empty)")
	encoding := flag.String("encoding", "json", "protocol: json or protobuf")
	minReconnect := flag.Duration("min-reconnect-delay", 0, "SDK MinReconnectDelay (0: the SDK's 200ms)")
	timeout := flag.Duration("timeout", 5*time.Second, "deadline of a command")
	delta := flag.String("delta", "", "delta compression the subscription asks for: fossil (none when empty)")
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "-url is required")
		os.Exit(2)
	}
	if *delta != "" && *delta != string(centrifuge.DeltaTypeFossil) {
		fmt.Fprintf(os.Stderr, "-delta %q: expected fossil\n", *delta)
		os.Exit(2)
	}

	config := centrifuge.Config{Token: *token, Name: "switchboard-interop", MinReconnectDelay: *minReconnect}
	var wire *wireDeltas
	if *delta != "" {
		wire = &wireDeltas{seen: map[uint64]bool{}}
		config.LogLevel = centrifuge.LogLevelTrace
		config.LogHandler = wire.record
	}
	var client *centrifuge.Client
	switch *encoding {
	case "json":
		client = centrifuge.NewJsonClient(*url, config)
	case "protobuf":
		client = centrifuge.NewProtobufClient(*url, config)
	default:
		fmt.Fprintf(os.Stderr, "-encoding %q: expected json or protobuf\n", *encoding)
		os.Exit(2)
	}
	defer client.Close()
	emit("started", map[string]any{"sdk": "centrifuge-go", "version": sdkVersion, "encoding": *encoding})

	client.OnConnecting(func(e centrifuge.ConnectingEvent) {
		emit("connecting", map[string]any{"code": e.Code, "reason": e.Reason})
	})
	client.OnConnected(func(e centrifuge.ConnectedEvent) {
		emit("connected", map[string]any{"client": e.ClientID, "version": e.Version})
	})
	client.OnDisconnected(func(e centrifuge.DisconnectedEvent) {
		emit("disconnected", map[string]any{"code": e.Code, "reason": e.Reason})
	})
	client.OnError(func(e centrifuge.ErrorEvent) { emit("error", errorFields(e.Error)) })

	if *channel != "" {
		sub, err := client.NewSubscription(*channel, centrifuge.SubscriptionConfig{Delta: centrifuge.DeltaType(*delta)})
		if err != nil {
			fmt.Fprintln(os.Stderr, "new subscription:", err)
			os.Exit(1)
		}
		ch := *channel
		sub.OnSubscribing(func(e centrifuge.SubscribingEvent) {
			emit("subscribing", map[string]any{"channel": ch, "code": e.Code, "reason": e.Reason})
		})
		sub.OnSubscribed(func(e centrifuge.SubscribedEvent) {
			fields := map[string]any{
				"channel": ch, "recovered": e.Recovered, "wasRecovering": e.WasRecovering,
				"recoverable": e.Recoverable, "positioned": e.Positioned,
			}
			if e.StreamPosition != nil {
				fields["offset"] = e.StreamPosition.Offset
				fields["epoch"] = e.StreamPosition.Epoch
			}
			emit("subscribed", fields)
		})
		sub.OnUnsubscribed(func(e centrifuge.UnsubscribedEvent) {
			emit("unsubscribed", map[string]any{"channel": ch, "code": e.Code, "reason": e.Reason})
		})
		sub.OnError(func(e centrifuge.SubscriptionErrorEvent) {
			fields := errorFields(e.Error)
			fields["channel"] = ch
			emit("error", fields)
		})
		sub.OnPublication(func(e centrifuge.PublicationEvent) {
			fields := publication(e.Publication)
			fields["channel"] = ch
			if wire != nil {
				if delta, ok := wire.lookup(e.Offset); ok {
					fields["delta"] = delta
				}
			}
			emit("publication", fields)
		})
		if err := sub.Subscribe(); err != nil {
			fmt.Fprintln(os.Stderr, "subscribe:", err)
			os.Exit(1)
		}
	}

	if err := client.Connect(); err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}

	s := &session{client: client, channel: *channel, timeout: *timeout}
	lines := bufio.NewScanner(os.Stdin)
	for lines.Scan() {
		words := strings.Fields(lines.Text())
		if len(words) == 0 {
			continue
		}
		if words[0] == "quit" {
			return
		}
		run, ok := commands[words[0]]
		if !ok {
			commandError(words[0], fmt.Errorf("unknown command %q", words[0]))
			continue
		}
		if err := run(s, words[1:]); err != nil {
			commandError(words[0], err)
			continue
		}
		emit("done", map[string]any{"command": words[0]})
	}
	// stdin closed: the harness is gone, so is this client.
}
