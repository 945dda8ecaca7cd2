// The rail of groups on the left, with the button that creates one.
import { useState, type FormEvent } from "react";
import type { GroupCreated, GroupOut } from "../api/protocol.gen";
import { ApiError, type Rest } from "../api/rest";
import { Dialog } from "./Dialog";

export function GroupRail({ groups, current, rest, onSelect, onCreated }: {
  groups: GroupOut[]; current: string | null; rest: Rest;
  onSelect: (id: string) => void; onCreated: (group: GroupCreated) => void;
}) {
  const [creating, setCreating] = useState(false);
  return (
    <nav className="rail" aria-label="Groups">
      <ul>
        {groups.map((g) => (
          <li key={g.id}>
            <button className={`group-icon ${g.id === current ? "active" : ""}`} title={g.name}
              aria-current={g.id === current ? "true" : undefined} onClick={() => onSelect(g.id)}>
              <span aria-hidden="true">{g.name.slice(0, 2).toUpperCase()}</span>
              <span className="visually-hidden">{g.name}</span>
            </button>
          </li>
        ))}
      </ul>
      <button className="group-icon add" aria-label="Create a group" title="Create a group" onClick={() => setCreating(true)}>+</button>
      {creating && (
        <CreateGroupDialog rest={rest} onClose={() => setCreating(false)}
          onCreated={(g) => { setCreating(false); onCreated(g); }} />
      )}
    </nav>
  );
}

function CreateGroupDialog({ rest, onClose, onCreated }: {
  rest: Rest; onClose: () => void; onCreated: (group: GroupCreated) => void;
}) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [privacy, setPrivacy] = useState<"private" | "public">("private");
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      onCreated(await rest.createGroup({ name, description, privacy }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not create the group.");
    }
  }

  return (
    <Dialog title="Create a group" onClose={onClose}>
      <form onSubmit={submit}>
        <label>Name<input name="group_name" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} autoFocus /></label>
        <label>Purpose<textarea name="description" maxLength={1000} value={description} onChange={(e) => setDescription(e.target.value)} /></label>
        <label>Privacy
          <select value={privacy} onChange={(e) => setPrivacy(e.target.value as "private" | "public")}>
            <option value="private">Private: by invitation</option>
            <option value="public">Public: anyone signed in can preview it</option>
          </select>
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <div className="actions">
          <button type="button" className="secondary" onClick={onClose}>Cancel</button>
          <button type="submit">Create group</button>
        </div>
      </form>
    </Dialog>
  );
}
