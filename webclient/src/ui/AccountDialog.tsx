// My account: change the password. This browser gets a new sign-in; every other one is signed out.
import { useState, type FormEvent } from "react";
import { ApiError, type Rest } from "../api/rest";
import { Dialog } from "./Dialog";

export function AccountDialog({ rest, onClose }: { rest: Rest; onClose: () => void }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (next !== repeat) {
      setMessage({ error: true, text: "The new passwords do not match." });
      return;
    }
    setBusy(true);
    try {
      await rest.changePassword(current, next);
      setCurrent(""); setNext(""); setRepeat("");
      setMessage({ error: false, text: "Password changed. You stay signed in here; your other sign-ins were signed out." });
    } catch (e) {
      setMessage({ error: true, text: e instanceof ApiError ? e.message : "Could not change the password." });
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title="Account" onClose={onClose}>
      <form onSubmit={(e) => void submit(e)}>
        <h3>Change password</h3>
        <label>Current password<input type="password" autoComplete="current-password" required value={current}
          onChange={(e) => setCurrent(e.target.value)} /></label>
        <label>New password<input type="password" autoComplete="new-password" required minLength={8} value={next}
          onChange={(e) => setNext(e.target.value)} /></label>
        <label>New password again<input type="password" autoComplete="new-password" required minLength={8} value={repeat}
          onChange={(e) => setRepeat(e.target.value)} /></label>
        <p role={message?.error ? "alert" : "status"} className={message?.error ? "error" : "hint"}>{message?.text}</p>
        <div className="actions">
          <button type="submit" disabled={busy}>{busy ? "Changing…" : "Change password"}</button>
          <button type="button" className="secondary" onClick={onClose}>Close</button>
        </div>
      </form>
    </Dialog>
  );
}
