// Invitations addressed to me (pushed, or listed after sign-in): accept to join, or dismiss.
import { useState, type Dispatch } from "react";
import { ApiError, type Rest } from "../api/rest";
import type { Action, Invitation, State } from "../state/store";
import { nameOf } from "./Workspace";

export function Invitations({ rest, state, dispatch }: { rest: Rest; state: State; dispatch: Dispatch<Action> }) {
  return (
    <section aria-label="Invitations">
      <ul className="invitations" aria-live="polite">
        {state.invitations.map((invitation) => (
          <InvitationItem key={invitation.code} invitation={invitation} from={nameOf(state, invitation.fromUserId)}
            rest={rest} onAnswered={() => dispatch({ type: "invite_answered", code: invitation.code })} />
        ))}
      </ul>
    </section>
  );
}

function InvitationItem({ invitation, from, rest, onAnswered }: {
  invitation: Invitation; from: string; rest: Rest; onAnswered: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const group = invitation.groupName ?? "a group";
  async function accept() {
    setBusy(true);
    try {
      // The group itself arrives with the group_joined push.
      await rest.acceptInvite(invitation.code);
      onAnswered();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not accept the invitation.");
      setBusy(false);
    }
  }
  return (
    <li>
      <p>{from === "Someone" ? "You were invited" : `${from} invited you`} to join <strong>{group}</strong>.</p>
      {error && <p role="alert" className="error">{error}</p>}
      <div className="actions">
        <button disabled={busy} onClick={() => void accept()} aria-label={`Accept the invitation to ${group}`}>Accept</button>
        <button className="secondary" disabled={busy} onClick={onAnswered} aria-label={`Dismiss the invitation to ${group}`}>Dismiss</button>
      </div>
    </li>
  );
}
