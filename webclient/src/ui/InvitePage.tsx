// An invite link: the group's name, purpose and channels before joining, as a member (signed in)
// or as a guest (a display name is enough).
import { useEffect, useState, type FormEvent } from "react";
import type { InvitePreview } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { ChannelIcon } from "./Icons";

export function InvitePage({ rest, code, signedIn, onJoined }: {
  rest: Rest; code: string; signedIn: boolean; onJoined: () => void;
}) {
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");

  useEffect(() => {
    rest.previewInvite(code).then(setPreview).catch((e) =>
      setError(e instanceof ApiError ? e.message : "This invite cannot be opened."));
  }, [rest, code]);

  async function accept(event: FormEvent) {
    event.preventDefault();
    try {
      await rest.acceptInvite(code, signedIn ? undefined : name);
      onJoined();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not join.");
    }
  }

  const asGuest = preview?.role === "guest" && !signedIn;
  return (
    <main className="auth invite">
      <h1>PeerShare</h1>
      {error && <p role="alert" className="error">{error}</p>}
      {preview && (
        <form onSubmit={accept} aria-labelledby="invite-title">
          <h2 id="invite-title">Join {preview.group_name}</h2>
          {preview.group_description && <p className="purpose">{preview.group_description}</p>}
          <p>{preview.member_count} member{preview.member_count === 1 ? "" : "s"} · you join as a {preview.role}</p>
          <ul className="invite-channels" aria-label="Channels">
            {preview.channels.map((c) => <li key={c.name}><ChannelIcon kind={c.kind} /> {c.name}{c.topic ? ` — ${c.topic}` : ""}</li>)}
          </ul>
          {asGuest && (
            <label>Your name<input name="display_name" required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} /></label>
          )}
          {!signedIn && !asGuest
            ? <p>Sign in or create an account first, then open this link again. <a href="/">Sign in</a></p>
            : <button type="submit">{asGuest ? "Join as a guest" : "Join the group"}</button>}
        </form>
      )}
    </main>
  );
}
