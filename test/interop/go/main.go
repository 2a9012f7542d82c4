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
	flag.Parse()
	if *url == "" {
		fmt.Fprintln(os.Stderr, "-url is required")
		os.Exit(2)
	}

	config := centrifuge.Config{Token: *token, Name: "switchboard-interop", MinReconnectDelay: *minReconnect}
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
		sub, err := client.NewSubscription(*channel)
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
