// My account: change the password (this browser gets a new sign-in; every other one is signed
// out), download my data, delete the account.
import { useEffect, useState, type FormEvent } from "react";
import { ApiError, type Rest } from "../api/rest";
import type { GroupOut, MeOut, MemberOut, UserOut } from "../api/protocol.gen";
import {
  deletionError, deletionRequest, exportFileName, ownedGroups, transferCandidates, type GroupChoice,
} from "./accountDeletion";
import { Dialog } from "./Dialog";

export function AccountDialog({ rest, me, groups, onClose }: {
  rest: Rest; me: UserOut | null; groups: GroupOut[]; onClose: () => void;
}) {
  const [deleting, setDeleting] = useState(false);
  return (
    <Dialog title="Account" onClose={onClose}>
      {deleting && me
        ? <DeleteAccount rest={rest} me={me} owned={ownedGroups(groups, me.id)} onCancel={() => setDeleting(false)} />
        : <>
          <ChangePassword rest={rest} />
          <MyData rest={rest} me={me} onDelete={() => setDeleting(true)} />
          <div className="actions">
            <button type="button" className="secondary" onClick={onClose}>Close</button>
          </div>
        </>}
    </Dialog>
  );
}

function ChangePassword({ rest }: { rest: Rest }) {
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
      </div>
    </form>
  );
}

function MyData({ rest, me, onDelete }: { rest: Rest; me: UserOut | null; onDelete: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function download() {
    setBusy(true);
    setError(null);
    try {
      const url = URL.createObjectURL(await rest.exportMyData());
      const link = document.createElement("a");
      link.href = url;
      link.download = exportFileName(me?.username ?? "me", new Date());
      link.click();
      // The click starts the download from the URL; it may go once the browser took it.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not download your data.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="my-data-heading">
      <h3 id="my-data-heading">Your data</h3>
      <p className="hint">Everything PeerShare holds about you — profile, sign-ins, groups, messages, calls — as one JSON file.</p>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="actions">
        <button type="button" onClick={() => void download()} disabled={busy}>
          {busy ? "Preparing…" : "Download my data"}
        </button>
        <button type="button" className="danger" onClick={onDelete} disabled={!me}>Delete account…</button>
      </div>
    </section>
  );
}

function DeleteAccount({ rest, me, owned, onCancel }: {
  rest: Rest; me: UserOut; owned: GroupOut[]; onCancel: () => void;
}) {
  const [account, setAccount] = useState<MeOut | null>(null);
  const [candidates, setCandidates] = useState<Record<string, MemberOut[]>>({});
  const [choices, setChoices] = useState<Record<string, GroupChoice | undefined>>({});
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    rest.me().then((found) => live && setAccount(found), (e: unknown) => live && setError(deletionError(e, nameOf)));
    for (const group of owned) {
      rest.listMembers(group.id).then(
        (page) => live && setCandidates((all) => ({ ...all, [group.id]: transferCandidates(page.members, me.id) })),
        (e: unknown) => live && setError(deletionError(e, nameOf)));
    }
    return () => { live = false; };
  }, [rest, me.id]);  // the owned groups are read once, when this step opens

  function nameOf(groupId: string): string {
    return owned.find((g) => g.id === groupId)?.name ?? "the group";
  }

  function choose(groupId: string, value: string) {
    const choice: GroupChoice | undefined = value === "delete" ? { kind: "delete" }
      : value.startsWith("transfer:") ? { kind: "transfer", userId: value.slice("transfer:".length) } : undefined;
    setChoices((all) => ({ ...all, [groupId]: choice }));
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const request = deletionRequest(owned, choices, account?.has_password ? password : null);
    if ("undecided" in request) {
      setError(`Choose what happens to ${request.undecided.join(", ")} first.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await rest.deleteAccount(request.body);  // signed out: the app goes back to the sign-in screen
    } catch (e) {
      setError(deletionError(e, nameOf));
      setBusy(false);
    }
  }

  const value = (choice: GroupChoice | undefined) =>
    !choice ? "" : choice.kind === "delete" ? "delete" : `transfer:${choice.userId}`;

  return (
    <form onSubmit={(e) => void submit(e)} aria-labelledby="delete-heading">
      <h3 id="delete-heading">Delete your account</h3>
      <p>Your sign-ins end everywhere and your profile is removed. Your messages stay in their channels,
        shown as from “Deleted user”; delete any you want gone first. Calls you were in stay in the groups'
        records without your name.</p>
      {owned.length > 0 && (
        <fieldset>
          <legend>Groups you own</legend>
          {owned.map((group) => (
            <label key={group.id}>{group.name}
              <select aria-label={`What happens to ${group.name}`} value={value(choices[group.id])}
                onChange={(e) => choose(group.id, e.target.value)}>
                <option value="">Choose…</option>
                {(candidates[group.id] ?? []).map((m) => (
                  <option key={m.user_id} value={`transfer:${m.user_id}`}>Hand over to {m.display_name}</option>
                ))}
                <option value="delete">Delete the group for everyone</option>
              </select>
            </label>
          ))}
        </fieldset>
      )}
      {account?.has_password
        ? <label>Your password<input type="password" autoComplete="current-password" required value={password}
            onChange={(e) => setPassword(e.target.value)} /></label>
        : account && <p className="hint">Your account has no password: deleting it works within 5 minutes of signing in.</p>}
      {error && <p role="alert" className="error">{error}</p>}
      <div className="actions">
        <button type="submit" className="danger" disabled={busy || !account}>
          {busy ? "Deleting…" : "Delete my account"}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
