// The network check: can this browser reach STUN and TURN, which candidate types it gets, the
// round trip and a bandwidth estimate through the relay, and what to fix when something fails.
import { useState } from "react";
import type { IceServersOut } from "../api/protocol.gen";
import type { Rest } from "../api/rest";

interface Report {
  candidateTypes: string[];
  stun: boolean;
  turn: boolean | null;
  rttMs: number | null;
  mbps: number | null;
  advice: string[];
}

async function gather(servers: RTCIceServer[]): Promise<string[]> {
  const pc = new RTCPeerConnection({ iceServers: servers });
  pc.createDataChannel("probe");
  const types = new Set<string>();
  const done = new Promise<void>((resolve) => {
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate) resolve();
      else if (candidate.type) types.add(candidate.type);
    };
    setTimeout(resolve, 6_000);
  });
  await pc.setLocalDescription(await pc.createOffer());
  await done;
  pc.close();
  return [...types];
}

/** Two connections in this page, forced through TURN: RTT from the pair, bandwidth from a burst. */
async function throughRelay(servers: RTCIceServer[]): Promise<{ rttMs: number | null; mbps: number } | null> {
  const config: RTCConfiguration = { iceServers: servers, iceTransportPolicy: "relay" };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  a.onicecandidate = ({ candidate }) => candidate && void b.addIceCandidate(candidate);
  b.onicecandidate = ({ candidate }) => candidate && void a.addIceCandidate(candidate);
  const channel = a.createDataChannel("burst");
  let received = 0;
  b.ondatachannel = ({ channel: incoming }) => (incoming.onmessage = ({ data }) => (received += (data as ArrayBuffer).byteLength));
  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription!);
  const open = await new Promise<boolean>((resolve) => {
    channel.onopen = () => resolve(true);
    setTimeout(() => resolve(false), 8_000);
  });
  if (!open) {
    a.close();
    b.close();
    return null;
  }
  const chunk = new ArrayBuffer(16_384);
  const started = performance.now();
  while (performance.now() - started < 2_000) {
    if (channel.bufferedAmount < 1_000_000) channel.send(chunk);
    else await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 300));
  const seconds = (performance.now() - started) / 1000;
  let rttMs: number | null = null;
  (await a.getStats()).forEach((s: Record<string, unknown>) => {
    if (s.type === "candidate-pair" && s.nominated && typeof s.currentRoundTripTime === "number") rttMs = s.currentRoundTripTime * 1000;
  });
  a.close();
  b.close();
  return { rttMs, mbps: (received * 8) / seconds / 1e6 };
}

export async function checkNetwork(rest: Rest): Promise<Report> {
  const { ice_servers } = await rest.request<IceServersOut>("GET", "/api/ice-servers");
  const servers = ice_servers.map((s) => ({ urls: s.urls, username: s.username ?? undefined, credential: s.credential ?? undefined }));
  const hasTurn = ice_servers.some((s) => s.urls.some((u) => u.startsWith("turn")));
  const candidateTypes = await gather(servers);
  const relay = hasTurn ? await throughRelay(servers) : null;
  const report: Report = {
    candidateTypes, stun: candidateTypes.includes("srflx"), turn: hasTurn ? candidateTypes.includes("relay") && relay !== null : null,
    rttMs: relay?.rttMs ?? null, mbps: relay?.mbps ?? null, advice: [],
  };
  if (!candidateTypes.includes("host")) report.advice.push("Your browser hides local addresses; calls may still work through the relay.");
  if (!report.stun) report.advice.push("The STUN server could not be reached (UDP may be blocked). Direct calls may fail; the relay takes over when it works.");
  if (report.turn === false) report.advice.push("The TURN relay could not be reached. Allow UDP and TCP port 3478 to the server, or ask the operator to enable TURN over TLS (port 5349).");
  if (report.turn === null) report.advice.push("This server offers no TURN relay: people behind strict firewalls will not be able to join calls.");
  if (report.rttMs !== null && report.rttMs > 300) report.advice.push("The round trip to the server is long: expect delay in calls.");
  if (report.mbps !== null && report.mbps < 1.5) report.advice.push("Little bandwidth: turn your camera off or ask others to, for a smoother call.");
  if (!report.advice.length) report.advice.push("All good: your network is ready for calls.");
  return report;
}

export function NetworkCheck({ rest }: { rest: Rest }) {
  const [report, setReport] = useState<Report | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run() {
    setRunning(true);
    setError(null);
    try {
      setReport(await checkNetwork(rest));
    } catch {
      setError(rest.signedIn ? "The server could not be reached." : "Sign in first: the check uses your relay credentials.");
    } finally {
      setRunning(false);
    }
  }
  return (
    <main className="auth network">
      <h1>Network check</h1>
      <p>Checks that this browser can reach the servers calls need.</p>
      <button onClick={() => void run()} disabled={running}>{running ? "Checking…" : "Run the check"}</button>
      {error && <p role="alert" className="error">{error}</p>}
      {report && (
        <section aria-live="polite">
          <dl className="report">
            <dt>STUN</dt><dd>{report.stun ? "reachable" : "not reachable"}</dd>
            <dt>TURN</dt><dd>{report.turn === null ? "not offered" : report.turn ? "reachable" : "not reachable"}</dd>
            <dt>Candidate types</dt><dd>{report.candidateTypes.join(", ") || "none"}</dd>
            <dt>Round trip</dt><dd>{report.rttMs === null ? "unknown" : `${report.rttMs.toFixed(0)} ms`}</dd>
            <dt>Bandwidth through the relay</dt><dd>{report.mbps === null ? "unknown" : `${report.mbps.toFixed(1)} Mbit/s`}</dd>
          </dl>
          <ul className="advice">{report.advice.map((a) => <li key={a}>{a}</li>)}</ul>
        </section>
      )}
      <p><a href="/">Back to PeerShare</a></p>
    </main>
  );
}
