package switchboard.interop;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.github.centrifugal.centrifuge.Client;
import io.github.centrifugal.centrifuge.ClientInfo;
import io.github.centrifugal.centrifuge.ConnectedEvent;
import io.github.centrifugal.centrifuge.ConnectingEvent;
import io.github.centrifugal.centrifuge.DisconnectedEvent;
import io.github.centrifugal.centrifuge.ErrorEvent;
import io.github.centrifugal.centrifuge.EventListener;
import io.github.centrifugal.centrifuge.HistoryOptions;
import io.github.centrifugal.centrifuge.HistoryResult;
import io.github.centrifugal.centrifuge.Options;
import io.github.centrifugal.centrifuge.PresenceResult;
import io.github.centrifugal.centrifuge.Publication;
import io.github.centrifugal.centrifuge.PublicationEvent;
import io.github.centrifugal.centrifuge.ReplyError;
import io.github.centrifugal.centrifuge.ResultCallback;
import io.github.centrifugal.centrifuge.StreamPosition;
import io.github.centrifugal.centrifuge.SubscribedEvent;
import io.github.centrifugal.centrifuge.SubscribingEvent;
import io.github.centrifugal.centrifuge.Subscription;
import io.github.centrifugal.centrifuge.SubscriptionErrorEvent;
import io.github.centrifugal.centrifuge.SubscriptionEventListener;
import io.github.centrifugal.centrifuge.SubscriptionSubscribeError;
import io.github.centrifugal.centrifuge.UnclassifiedError;
import io.github.centrifugal.centrifuge.UnsubscribedEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Drives the official centrifuge-java SDK against a server for the interop suite (test/interop):
 * connects, subscribes to one channel, prints one JSON line per SDK event on stdout and runs line
 * commands read from stdin; the same lines as the Go client (test/interop/go/main.go), read by
 * test/interop/harness.ts.
 *
 * <p>Events: started, connecting, connected, disconnected, error, subscribing, subscribed,
 * unsubscribed, publication, presence, history, done (a command finished). Commands: presence
 * [channel], history [channel] [limit], disconnect, connect, quit. A command's result carries
 * "command"; a failed command prints an error event with "command" and the error's code.
 *
 * <p>The SDK speaks the Protobuf protocol only: --encoding=json is refused.
 */
public final class Main {
  /** The centrifuge-java version pom.xml pins; reported in the started event. */
  private static final String SDK_VERSION = "0.4.1";

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private Main() {}

  /**
   * Prints one event line. SDK callbacks run on the SDK's executor and commands on the main thread,
   * so lines are written under a lock, whole.
   */
  static synchronized void emit(String event, JsonObject fields) {
    JsonObject line = new JsonObject();
    line.addProperty("event", event);
    for (Map.Entry<String, JsonElement> e : fields.entrySet()) line.add(e.getKey(), e.getValue());
    System.out.println(GSON.toJson(line));
    System.out.flush();
  }

  static JsonObject fields(Object... pairs) {
    JsonObject o = new JsonObject();
    for (int i = 0; i < pairs.length; i += 2) o.add((String) pairs[i], GSON.toJsonTree(pairs[i + 1]));
    return o;
  }

  /**
   * Publication data as the test published it: the Protobuf protocol carries the JSON's bytes, so a
   * strict JSON document is reported as JSON; any other bytes in base64.
   */
  static JsonObject payload(byte[] data) {
    JsonObject o = new JsonObject();
    JsonElement json = strictJson(data);
    if (json != null) o.add("data", json);
    else o.addProperty("dataBase64", Base64.getEncoder().encodeToString(data));
    return o;
  }

  private static JsonElement strictJson(byte[] data) {
    if (data == null || data.length == 0) return null;
    try (JsonReader reader = new JsonReader(new StringReader(new String(data, StandardCharsets.UTF_8)))) {
      reader.setStrictness(Strictness.STRICT);
      JsonElement element = com.google.gson.JsonParser.parseReader(reader);
      // parseReader stops after one value: trailing bytes make the data not one JSON document.
      return reader.peek() == JsonToken.END_DOCUMENT ? element : null;
    } catch (JsonParseException | java.io.IOException | IllegalStateException e) {
      return null;
    }
  }

  static JsonObject publication(byte[] data, long offset, Map<String, String> tags) {
    JsonObject o = payload(data);
    o.addProperty("offset", offset);
    if (tags != null && !tags.isEmpty()) o.add("tags", GSON.toJsonTree(tags));
    return o;
  }

  /**
   * Names an error by its protocol code where the server sent one, as the tests assert codes. The
   * SDK wraps a reply error in its own classes (subscribe errors, unclassified errors): unwrap them.
   */
  static JsonObject errorFields(Throwable error) {
    Throwable e = error;
    for (int depth = 0; depth < 5 && e != null; depth++) {
      if (e instanceof ReplyError reply) {
        return fields("message", reply.getMessage(), "code", reply.getCode());
      }
      Throwable inner;
      if (e instanceof SubscriptionSubscribeError s) inner = s.getError();
      else if (e instanceof SubscriptionErrorEvent s) inner = s.getError();
      else if (e instanceof UnclassifiedError u) inner = u.getError();
      else if (e instanceof ExecutionException x) inner = x.getCause();
      else inner = e.getCause();
      if (inner == null || inner == e) break;
      e = inner;
    }
    String message = error.getMessage() != null ? error.getMessage() : error.getClass().getName();
    if (e != null && e != error) message += ": " + e;
    return fields("message", message);
  }

  /**
   * StreamPosition's getters are package-private in 0.4.1 (the SDK only hands positions back to
   * itself), yet the suite asserts the offset and epoch a subscription starts from: read them
   * reflectively. Classpath mode, no module boundary, so setAccessible works.
   */
  static void addPosition(JsonObject o, StreamPosition position) {
    if (position == null) return;
    try {
      Method offset = StreamPosition.class.getDeclaredMethod("getOffset");
      Method epoch = StreamPosition.class.getDeclaredMethod("getEpoch");
      offset.setAccessible(true);
      epoch.setAccessible(true);
      o.addProperty("offset", (Long) offset.invoke(position));
      o.addProperty("epoch", (String) epoch.invoke(position));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("StreamPosition's getters changed in this SDK version", e);
    }
  }

  /** A callback the main thread can wait on, so a command's result prints before its "done". */
  static final class Result<T> implements ResultCallback<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();

    @Override
    public void onDone(Throwable error, T value) {
      if (error != null) future.completeExceptionally(error);
      else future.complete(value);
    }

    T await(long timeoutMs) throws Exception {
      try {
        return future.get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        throw e.getCause() instanceof Exception cause ? cause : e;
      }
    }
  }

  interface Command {
    void run(List<String> args) throws Exception;
  }

  static String argOr(List<String> args, int i, String fallback) {
    return i < args.size() ? args.get(i) : fallback;
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> flags = new HashMap<>();
    for (String arg : argv) {
      if (!arg.startsWith("--") || !arg.contains("=")) {
        System.err.println("arguments are --name=value, got " + arg);
        System.exit(2);
      }
      flags.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    String url = flags.get("url");
    if (url == null || url.isEmpty()) {
      System.err.println("--url is required");
      System.exit(2);
    }
    String encoding = flags.getOrDefault("encoding", "protobuf");
    if (!encoding.equals("protobuf")) {
      System.err.println("--encoding=" + encoding + ": centrifuge-java speaks protobuf only");
      System.exit(2);
    }
    String channel = flags.getOrDefault("channel", "");
    int timeoutMs = Integer.parseInt(flags.getOrDefault("timeout-ms", "5000"));

    Options opts = new Options();
    opts.setToken(flags.getOrDefault("token", ""));
    opts.setName("switchboard-interop");
    opts.setTimeout(timeoutMs);
    if (flags.containsKey("min-reconnect-delay-ms"))
      opts.setMinReconnectDelay(Integer.parseInt(flags.get("min-reconnect-delay-ms")));

    Client client =
        new Client(
            url,
            opts,
            new EventListener() {
              @Override
              public void onConnecting(Client c, ConnectingEvent e) {
                emit("connecting", fields("code", e.getCode(), "reason", e.getReason()));
              }

              @Override
              public void onConnected(Client c, ConnectedEvent e) {
                // 0.4.1's ConnectedEvent does not expose the server's version.
                emit("connected", fields("client", e.getClient()));
              }

              @Override
              public void onDisconnected(Client c, DisconnectedEvent e) {
                emit("disconnected", fields("code", e.getCode(), "reason", e.getReason()));
              }

              @Override
              public void onError(Client c, ErrorEvent e) {
                JsonObject f = errorFields(e.getError());
                if (e.getHttpResponseCode() != null) f.addProperty("httpStatus", e.getHttpResponseCode());
                emit("error", f);
              }
            });
    emit("started", fields("sdk", "centrifuge-java", "version", SDK_VERSION, "encoding", encoding));

    if (!channel.isEmpty()) {
      Subscription sub =
          client.newSubscription(
              channel,
              new SubscriptionEventListener() {
                @Override
                public void onSubscribing(Subscription s, SubscribingEvent e) {
                  emit("subscribing", fields("channel", channel, "code", e.getCode(), "reason", e.getReason()));
                }

                @Override
                public void onSubscribed(Subscription s, SubscribedEvent e) {
                  JsonObject f =
                      fields(
                          "channel", channel,
                          "recovered", e.getRecovered(),
                          "wasRecovering", e.wasRecovering(),
                          "recoverable", e.getRecoverable(),
                          "positioned", e.getPositioned());
                  addPosition(f, e.getStreamPosition());
                  emit("subscribed", f);
                }

                @Override
                public void onUnsubscribed(Subscription s, UnsubscribedEvent e) {
                  emit("unsubscribed", fields("channel", channel, "code", e.getCode(), "reason", e.getReason()));
                }

                @Override
                public void onPublication(Subscription s, PublicationEvent e) {
                  JsonObject f = publication(e.getData(), e.getOffset(), e.getTags());
                  f.addProperty("channel", channel);
                  emit("publication", f);
                }

                @Override
                public void onError(Subscription s, SubscriptionErrorEvent e) {
                  JsonObject f = errorFields(e);
                  f.addProperty("channel", channel);
                  emit("error", f);
                }
              });
      sub.subscribe();
    }
    client.connect();

    // The stdin commands; a scenario step the suite needs later is one more entry.
    Map<String, Command> commands = new HashMap<>();
    commands.put(
        "presence",
        args -> {
          String ch = argOr(args, 0, channel);
          Result<PresenceResult> res = new Result<>();
          client.presence(ch, res);
          List<ClientInfo> infos = new ArrayList<>(res.await(timeoutMs).getClients().values());
          infos.sort(Comparator.comparing(ClientInfo::getClient));
          JsonArray clients = new JsonArray();
          for (ClientInfo info : infos) clients.add(fields("client", info.getClient(), "user", info.getUser()));
          JsonObject f = fields("command", "presence", "channel", ch);
          f.add("clients", clients);
          emit("presence", f);
        });
    commands.put(
        "history",
        args -> {
          String ch = argOr(args, 0, channel);
          int limit = Integer.parseInt(argOr(args, 1, "-1"));
          Result<HistoryResult> res = new Result<>();
          client.history(ch, new HistoryOptions.Builder().withLimit(limit).build(), res);
          HistoryResult history = res.await(timeoutMs);
          JsonArray pubs = new JsonArray();
          for (Publication p : history.getPublications()) pubs.add(publication(p.getData(), p.getOffset(), null));
          JsonObject f =
              fields("command", "history", "channel", ch, "offset", history.getOffset(), "epoch", history.getEpoch());
          f.add("publications", pubs);
          emit("history", f);
        });
    commands.put("disconnect", args -> client.disconnect());
    commands.put("connect", args -> client.connect());

    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = stdin.readLine()) != null) {
      List<String> words = Arrays.asList(line.trim().split("\\s+"));
      String name = words.get(0);
      if (name.isEmpty()) continue;
      if (name.equals("quit")) break;
      Command run = commands.get(name);
      if (run == null) {
        emit("error", fields("command", name, "message", "unknown command " + name));
        continue;
      }
      try {
        run.run(words.subList(1, words.size()));
      } catch (Exception e) {
        JsonObject f = errorFields(e);
        f.addProperty("command", name);
        emit("error", f);
        continue;
      }
      emit("done", fields("command", name));
    }
    // stdin closed or quit: the harness is done with this client.
    client.close(1000);
    System.exit(0);
  }
}
