// Sign in or sign up with a local account; the OAuth providers the server has configured.
import { useEffect, useState, type FormEvent } from "react";
import type { ClientConfigOut } from "../api/protocol.gen";
import { oauthStartUrl, takeFragmentTokens } from "../api/oauth";
import { ApiError, type Rest } from "../api/rest";

const PROVIDERS: Record<string, string> = { google: "Google", github: "GitHub", discord: "Discord" };

export function AuthScreen({ rest, onSignedIn }: { rest: Rest; onSignedIn: () => void }) {
  const [mode, setMode] = useState<"signin" | "signup">("signin");
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<string[]>([]);

  useEffect(() => {
    fetch("/api/client-config").then((r) => r.json()).then((c: ClientConfigOut) => setProviders(c.oauth_providers ?? []))
      .catch(() => {});
    // The OAuth callback hands the tokens back in the URL fragment: taken only from a sign-in
    // this tab started, and never left in the address bar or the history.
    const result = takeFragmentTokens(location.hash, sessionStorage);
    if (result.kind === "none") return;
    history.replaceState(null, "", location.pathname + location.search);
    if (result.kind === "refused") {
      setError("That sign-in was not started in this tab. Sign in again here.");
      return;
    }
    rest.setTokens(result.tokens);
    onSignedIn();
  }, [rest, onSignedIn]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "signup") await rest.register(login, password, displayName);
      else await rest.login(login, password);
      onSignedIn();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The server cannot be reached. Check your connection.");
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <h1>PeerShare</h1>
      <p className="tagline">Groups, chat and calls for small teams.</p>
      <form onSubmit={submit} aria-labelledby="auth-title">
        <h2 id="auth-title">{mode === "signin" ? "Sign in" : "Create an account"}</h2>
        <label>
          {mode === "signin" ? "Username or e-mail" : "Username"}
          <input name="login" autoComplete="username" required value={login} onChange={(e) => setLogin(e.target.value)} />
        </label>
        {mode === "signup" && (
          <label>
            Display name
            <input name="display_name" autoComplete="nickname" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
        )}
        <label>
          Password
          <input name="password" type="password" required minLength={mode === "signup" ? 8 : 1}
            autoComplete={mode === "signin" ? "current-password" : "new-password"}
            value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p role="alert" className="error">{error}</p>}
        <button type="submit" disabled={busy}>{mode === "signin" ? "Sign in" : "Sign up"}</button>
        <button type="button" className="link" onClick={() => setMode(mode === "signin" ? "signup" : "signin")}>
          {mode === "signin" ? "New here? Create an account" : "Have an account? Sign in"}
        </button>
        {providers.length > 0 && (
          <div className="providers" role="group" aria-label="Sign in with">
            {providers.map((p) => (
              <button key={p} type="button" className="secondary" onClick={() => location.assign(oauthStartUrl(p, sessionStorage))}>
                Continue with {PROVIDERS[p] ?? p}
              </button>
            ))}
          </div>
        )}
      </form>
      <p><a href="/network">Check my network for calls</a></p>
    </main>
  );
}
