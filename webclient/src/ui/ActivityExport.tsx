// The export dialog: the group as one JSON document (messages if asked for) and the calls table
// as CSV, fetched with my sign-in and saved as files.
import { useState } from "react";
import type { GroupOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";
import { callsCsvPath, exportPath, fetchDownload, saveBlob } from "../history/api";
import { callsFilterSearch, dayString, NO_CALL_FILTERS, type CallFilters } from "../history/query";
import { failureText } from "../history/usePaged";
import { Dialog } from "./Dialog";

export function ActivityExport({ rest, group, callFilters, onClose }: {
  rest: Rest; group: GroupOut; callFilters: CallFilters; onClose: () => void;
}) {
  const [messages, setMessages] = useState(false);
  const [busy, setBusy] = useState<"json" | "csv" | null>(null);
  const [status, setStatus] = useState("");
  const [error, setError] = useState<string | null>(null);
  const today = dayString(new Date());
  const filtered = callsFilterSearch(callFilters) !== callsFilterSearch(NO_CALL_FILTERS);

  const download = async (what: "json" | "csv") => {
    setBusy(what);
    setError(null);
    setStatus(what === "json" ? "Preparing the export…" : "Preparing the CSV…");
    try {
      const { blob, name } = what === "json"
        ? await fetchDownload(rest, exportPath(group.id, messages), `peershare-${group.id}-${today}.json`)
        : await fetchDownload(rest, callsCsvPath(group.id, callFilters), `peershare-calls-${today}.csv`);
      saveBlob(blob, name);
      setStatus(`Downloaded ${name}.`);
    } catch (e) {
      setStatus("");
      setError(failureText(e, "The export"));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Dialog title={`Export ${group.name}`} onClose={onClose}>
      <p className="hint">Owners and moderators export the whole group; members get the group, the channels they see and the calls they took part in.</p>
      <label className="checkbox"><input type="checkbox" checked={messages} onChange={(e) => setMessages(e.target.checked)} /> Include messages</label>
      <div className="actions">
        <button disabled={busy !== null} onClick={() => void download("json")}>{busy === "json" ? "Downloading…" : "Download JSON"}</button>
        <button className="secondary" disabled={busy !== null} onClick={() => void download("csv")}>
          {busy === "csv" ? "Downloading…" : filtered ? "Download calls CSV (filtered)" : "Download calls CSV"}
        </button>
      </div>
      <p role="status" className="hint">{status}</p>
      {error && <p role="alert" className="error">{error} You can try again.</p>}
      <div className="actions"><button className="secondary" onClick={onClose}>Close</button></div>
    </Dialog>
  );
}
