// Which screen: an invite link, the network check, signing in, or the workspace; over any of
// them, the offline banner and the update prompt.
import { useEffect, useMemo, useState } from "react";
import { Rest } from "../api/rest";
import type { Connectivity } from "../pwa/connectivity";
import type { UpdateWatch } from "../pwa/updates";
import { OfflineBanner, UpdatePrompt } from "./AppNotices";
import { useDesktopDeepLinks } from "../desktop/integration";
import { AuthScreen } from "./AuthScreen";
import { InvitePage } from "./InvitePage";
import { NetworkCheck } from "./NetworkCheck";
import { Workspace } from "./Workspace";

export function navigate(path: string): void {
  history.pushState(null, "", path);
  dispatchEvent(new PopStateEvent("popstate"));
}

export function App({ connectivity, updates }: { connectivity: Connectivity; updates: UpdateWatch | null }) {
  return (
    <>
      <OfflineBanner connectivity={connectivity} />
      {updates && <UpdatePrompt updates={updates} />}
      <Screen connectivity={connectivity} />
    </>
  );
}

function Screen({ connectivity }: { connectivity: Connectivity }) {
  const rest = useMemo(() => new Rest(), []);
  const [path, setPath] = useState(location.pathname);
  const [signedIn, setSignedIn] = useState(rest.signedIn);

  useEffect(() => {
    const onPop = () => setPath(location.pathname);
    addEventListener("popstate", onPop);
    rest.onSignedOut = () => setSignedIn(false);
    return () => removeEventListener("popstate", onPop);
  }, [rest]);
  useDesktopDeepLinks(navigate);

  const invite = path.match(/^\/invite\/([A-Za-z0-9_-]+)/);
  if (invite) {
    return <InvitePage rest={rest} code={invite[1]} signedIn={signedIn}
      onJoined={() => { setSignedIn(true); navigate("/"); }} />;
  }
  if (path === "/network") return <NetworkCheck rest={rest} />;
  if (!signedIn) return <AuthScreen rest={rest} onSignedIn={() => setSignedIn(true)} />;
  return <Workspace rest={rest} connectivity={connectivity} onSignOut={async () => { await rest.logout(); setSignedIn(false); }} />;
}
