// A text channel: history with infinite scroll, live messages, edit/delete, typing, mentions,
// and "start a call here".
import { useEffect, useRef, useState, type Dispatch, type FormEvent } from "react";
import type { Gateway } from "../api/gateway";
import type { ChannelOut, MessageOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import type { Action, State } from "../state/store";
import { ChannelMuteButton } from "./Notifications";
import { nameOf } from "./Workspace";

export function TextChannel({ channel, state, dispatch, rest, gateway, voiceChannels, onOpenChannel }: {
  channel: ChannelOut; state: State; dispatch: Dispatch<Action>; rest: Rest; gateway: Gateway;
  voiceChannels: ChannelOut[]; onOpenChannel: (id: string) => void;
}) {
  const messages = state.messages[channel.id] ?? [];
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const lastTyping = useRef(0);
  const canSend = channel.my_permissions.includes("send_messages");

  useEffect(() => {
    rest.history(channel.id).then((page) => dispatch({
      type: "history", channelId: channel.id, messages: page.messages, complete: page.messages.length < 50,
    })).catch(() => setError("Could not load the history."));
    dispatch({ type: "open_channel", channelId: channel.id });
  }, [channel.id, rest, dispatch]);

  // Stay at the bottom while new messages arrive, unless the reader scrolled up.
  const lastId = messages[messages.length - 1]?.id;
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 200) el.scrollTop = el.scrollHeight;
  }, [lastId]);

  async function loadOlder() {
    const el = list.current;
    if (!el || el.scrollTop > 40 || state.historyComplete[channel.id] || !messages.length) return;
    const height = el.scrollHeight;
    const page = await rest.history(channel.id, messages[0].seq);
    dispatch({ type: "history", channelId: channel.id, messages: page.messages, complete: page.messages.length < 50 });
    requestAnimationFrame(() => (el.scrollTop = el.scrollHeight - height));
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    const body = draft.trim();
    if (!body) return;
    setError(null);
    try {
      if (editing) {
        await gateway.request({ type: "edit_message", message_id: editing, body });
        setEditing(null);
      } else {
        // The client id makes a retry after a reconnect harmless: the server keeps the first.
        const clientId = crypto.randomUUID();
        const { message } = await gateway.request<{ message: MessageOut }>(
          { type: "send_message", channel_id: channel.id, client_id: clientId, body });
        dispatch({ type: "sent", message });
      }
      setDraft("");
    } catch (e) {
      setError(e instanceof Error ? e.message : "Not sent.");
    }
  }

  function onDraft(value: string) {
    setDraft(value);
    if (Date.now() - lastTyping.current > 3_000) {
      lastTyping.current = Date.now();
      void gateway.request({ type: "typing", channel_id: channel.id }).catch(() => {});
    }
  }

  const typers = Object.keys(state.typing[channel.id] ?? {}).map((id) => nameOf(state, id));
  return (
    <section className="text-channel" aria-labelledby="channel-title">
      <header className="pane-header">
        <h2 id="channel-title"># {channel.name}</h2>
        {channel.topic && <p className="topic">{channel.topic}</p>}
        {voiceChannels.length > 0 && (
          <button className="secondary" onClick={async () => {
            const voice = voiceChannels[0];
            await gateway.request({ type: "start_call", channel_id: channel.id, voice_channel_id: voice.id }).catch(() => {});
            onOpenChannel(voice.id);
          }}>Start a call</button>
        )}
        <ChannelMuteButton rest={rest} channel={channel} />
      </header>
      <ol className="messages" ref={list} onScroll={() => void loadOlder()} aria-label={`Messages in ${channel.name}`}>
        {messages.map((m) => (
          <Message key={m.id} message={m} state={state} mine={m.author_id === state.me?.id}
            onEdit={() => { setEditing(m.id); setDraft(m.body); }}
            onDelete={() => void gateway.request({ type: "delete_message", message_id: m.id }).catch(() => {})} />
        ))}
      </ol>
      <p className="typing" aria-live="polite">{typers.length ? `${typers.join(", ")} ${typers.length > 1 ? "are" : "is"} typing…` : ""}</p>
      <form className="composer" onSubmit={send}>
        <label className="visually-hidden" htmlFor="composer">Message #{channel.name}</label>
        <input id="composer" name="message" autoComplete="off" maxLength={4000} disabled={!canSend}
          placeholder={canSend ? `Message #${channel.name} (@name to mention)` : "You cannot send messages here"}
          value={draft} onChange={(e) => onDraft(e.target.value)} />
        {editing && <button type="button" className="secondary" onClick={() => { setEditing(null); setDraft(""); }}>Cancel edit</button>}
        <button type="submit" disabled={!canSend}>{editing ? "Save" : "Send"}</button>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
    </section>
  );
}

function Message({ message, state, mine, onEdit, onDelete }: {
  message: MessageOut; state: State; mine: boolean; onEdit: () => void; onDelete: () => void;
}) {
  const mentionsMe = state.me !== null && message.mentions.includes(state.me.id);
  return (
    <li className={`message ${mentionsMe ? "mention" : ""}`} data-message-id={message.id}>
      <span className="author">{nameOf(state, message.author_id)}</span>{" "}
      <time dateTime={message.created_at}>{new Date(message.created_at).toLocaleTimeString()}</time>
      {message.deleted ? <p className="deleted">message deleted</p> : <p className="body">{message.body}</p>}
      {message.edited_at && !message.deleted && <span className="edited">(edited)</span>}
      {mine && !message.deleted && (
        <span className="message-actions">
          <button className="link" onClick={onEdit} aria-label="Edit message">Edit</button>
          <button className="link" onClick={onDelete} aria-label="Delete message">Delete</button>
        </span>
      )}
    </li>
  );
}
