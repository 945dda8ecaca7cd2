// The REST API, with the tokens kept in localStorage and refreshed once when the access token expired
// (and ahead of time by tokenRenewal.ts). A revoked sign-in (401 `session_revoked`) signs out at once.
import type {
  AccountDeletion, BanOut, ChannelCreate, ChannelNotificationSettings, ChannelOut, ChannelPatch, GroupCreate, GroupCreated,
  GroupNotificationSettings, GroupOut, GroupPatch, InviteAccepted, InviteCreate, InviteOut, InvitePreview, MeOut, MemberPage,
  MembersBulk, MembersBulkOut, MessagePage, NotificationPage, NotificationsReadOut, PendingInviteOut, RecordingLink,
  RecordingOut, RecordingPage, RecordingsQuery, RoleName, TokenPair,
} from "./protocol.gen";

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: unknown) {
    super(message);
  }
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  /** When the pair arrived and when its access token expires (ms since the epoch); absent in
   * tokens saved by older versions, whose lifetime is then unknown. */
  received_at?: number;
  expires_at?: number;
}

/** The sign-in was revoked (logout elsewhere, password change, refresh-token reuse): refreshing is pointless. */
export const SESSION_REVOKED = "session_revoked";

const STORAGE_KEY = "peershare.tokens";

export interface TokenStore {
  load(): Tokens | null;
  save(tokens: Tokens | null): void;
}

export const browserTokenStore: TokenStore = {
  load: () => {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  },
  save: (tokens) =>
    tokens ? localStorage.setItem(STORAGE_KEY, JSON.stringify(tokens)) : localStorage.removeItem(STORAGE_KEY),
};

export class Rest {
  private tokens: Tokens | null;
  private refreshing: Promise<Tokens | null> | null = null;
  private tokenListeners = new Set<(tokens: Tokens | null) => void>();
  onSignedOut: () => void = () => {};

  constructor(
    private readonly store: TokenStore = browserTokenStore,
    private readonly base = "",
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = store.load();
  }

  /** The current pair (a copy), for scheduling its renewal. */
  get current(): Tokens | null {
    return this.tokens ? { ...this.tokens } : null;
  }

  /** Called whenever the pair changes: a refresh, a password change, a sign-out (null). */
  onTokens(listener: (tokens: Tokens | null) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  /** The access token, refreshed first when `stale` (the gateway refused it). */
  async accessToken(stale = false): Promise<string | null> {
    if (stale) await this.refresh();
    return this.tokens?.access_token ?? null;
  }

  /** A TokenPair's `expires_in` becomes the moments it arrived and expires. */
  setTokens(tokens: (Tokens & { expires_in?: number }) | null): void {
    const now = this.now();
    this.tokens = tokens ? {
      access_token: tokens.access_token, refresh_token: tokens.refresh_token,
      received_at: tokens.received_at, expires_at: tokens.expires_at,
      ...(tokens.expires_in !== undefined ? { received_at: now, expires_at: now + tokens.expires_in * 1000 } : {}),
    } : null;
    this.store.save(this.tokens);
    for (const listener of this.tokenListeners) listener(this.current);
    if (!tokens) this.onSignedOut();
  }

  async request<T>(method: string, path: string, body?: unknown, retry = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (this.tokens) headers.Authorization = `Bearer ${this.tokens.access_token}`;
    const response = await fetch(this.base + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined as T;
    const data = await response.json().catch(() => ({}));
    if (response.ok) return data as T;
    const error = (data as { error?: { code?: string; message?: string; details?: unknown } }).error ?? {};
    const failure = new ApiError(response.status, error.code ?? "http_error", error.message ?? response.statusText,
      error.details);
    if (response.status === 401 && failure.code === SESSION_REVOKED) {
      if (this.tokens) this.setTokens(null);
      throw failure;
    }
    if (response.status === 401 && retry && this.tokens && await this.refresh()) {
      return this.request<T>(method, path, body, false);
    }
    throw failure;
  }

  /** One refresh at a time, across this browser's tabs too (they share the stored pair, and a
   * refresh token spent twice revokes the sign-in): a tab that finds the pair already renewed by
   * another takes it. A refused refresh signs out; a network failure keeps the pair for a later
   * try (and answers null). */
  refresh(): Promise<Tokens | null> {
    if (!this.refreshing) {
      const run = async (): Promise<Tokens | null> => {
        const stored = this.store.load();
        if (stored && stored.refresh_token !== this.tokens?.refresh_token) {
          this.setTokens(stored);
          return this.tokens;
        }
        const refreshToken = this.tokens?.refresh_token;
        if (!refreshToken) return null;
        try {
          const pair = await this.request<TokenPair>("POST", "/api/auth/refresh", { refresh_token: refreshToken }, false);
          this.setTokens(pair);
          return this.tokens;
        } catch (error) {
          if (error instanceof ApiError && error.status < 500 && this.tokens) this.setTokens(null);
          return null;
        }
      };
      const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
      this.refreshing = (locks ? locks.request("peershare-token-refresh", run) : run())
        .finally(() => (this.refreshing = null));
    }
    return this.refreshing;
  }

  // --- accounts ---

  async register(username: string, password: string, displayName?: string): Promise<void> {
    this.setTokens(await this.request<TokenPair>("POST", "/api/auth/register",
      { username, password, display_name: displayName || null }));
  }

  async login(login: string, password: string): Promise<void> {
    this.setTokens(await this.request<TokenPair>("POST", "/api/auth/login", { login, password }));
  }

  async logout(): Promise<void> {
    const refreshToken = this.tokens?.refresh_token;
    if (refreshToken) await this.request("POST", "/api/auth/logout", { refresh_token: refreshToken }).catch(() => {});
    this.setTokens(null);
  }

  me = () => this.request<MeOut>("GET", "/api/me");

  /** The new pair is this browser's; every other sign-in of the account is revoked. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    this.setTokens(await this.request<TokenPair>("POST", "/api/auth/password",
      { current_password: currentPassword, new_password: newPassword }));
  }

  /** Everything the server holds about me, as the JSON document it streams. */
  async exportMyData(): Promise<Blob> {
    const get = () => fetch(this.base + "/api/me/export",
      { headers: this.tokens ? { Authorization: `Bearer ${this.tokens.access_token}` } : {} });
    let response = await get();
    if (response.status === 401 && await this.refresh()) response = await get();
    if (!response.ok) {
      const error = ((await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error;
      throw new ApiError(response.status, error?.code ?? "http_error", error?.message ?? response.statusText);
    }
    return response.blob();
  }

  /** Deletes the account; every sign-in ends, this one included (back to the sign-in screen). */
  async deleteAccount(body: AccountDeletion): Promise<void> {
    await this.request<void>("DELETE", "/api/me", body);
    this.setTokens(null);
  }

  myInvites = () => this.request<PendingInviteOut[]>("GET", "/api/me/invites");

  // --- groups, channels, invites, members ---

  createGroup = (body: GroupCreate) => this.request<GroupCreated>("POST", "/api/groups", body);
  updateGroup = (id: string, body: GroupPatch) => this.request<GroupOut>("PATCH", `/api/groups/${id}`, body);
  deleteGroup = (id: string) => this.request<void>("DELETE", `/api/groups/${id}`);
  createChannel = (groupId: string, body: ChannelCreate) =>
    this.request<ChannelOut>("POST", `/api/groups/${groupId}/channels`, body);
  updateChannel = (id: string, body: ChannelPatch) => this.request<ChannelOut>("PATCH", `/api/channels/${id}`, body);
  deleteChannel = (id: string) => this.request<void>("DELETE", `/api/channels/${id}`);
  createInvite = (groupId: string, body: InviteCreate) =>
    this.request<InviteOut>("POST", `/api/groups/${groupId}/invites`, body);
  listInvites = (groupId: string) => this.request<InviteOut[]>("GET", `/api/groups/${groupId}/invites`);
  revokeInvite = (code: string) => this.request<void>("DELETE", `/api/invites/${code}`);
  previewInvite = (code: string) => this.request<InvitePreview>("GET", `/api/invites/${code}`);

  async acceptInvite(code: string, displayName?: string): Promise<InviteAccepted> {
    const accepted = await this.request<InviteAccepted>("POST", `/api/invites/${code}/accept`,
      { display_name: displayName || null });
    if (accepted.tokens) this.setTokens(accepted.tokens);
    return accepted;
  }

  listMembers = (groupId: string, query = "", role = "") =>
    this.request<MemberPage>("GET", `/api/groups/${groupId}/members?${new URLSearchParams({
      ...(query ? { q: query } : {}), ...(role ? { role } : {}),
    })}`);
  changeRole = (groupId: string, userId: string, role: RoleName) =>
    this.request("PATCH", `/api/groups/${groupId}/members/${userId}`, { role });
  removeMember = (groupId: string, userId: string) =>
    this.request<void>("DELETE", `/api/groups/${groupId}/members/${userId}`);
  /** "add" invites each person (BulkResult.invite_code); they join when they accept. */
  bulkMembers = (groupId: string, action: MembersBulk["action"], userIds: string[], role?: RoleName) =>
    this.request<MembersBulkOut>("POST", `/api/groups/${groupId}/members/bulk`, { action, user_ids: userIds, role: role ?? null });
  listBans = (groupId: string) => this.request<BanOut[]>("GET", `/api/groups/${groupId}/bans`);
  ban = (groupId: string, userId: string, reason: string) =>
    this.request<BanOut>("POST", `/api/groups/${groupId}/bans`, { user_id: userId, reason });
  liftBan = (groupId: string, userId: string) => this.request<void>("DELETE", `/api/groups/${groupId}/bans/${userId}`);

  history = (channelId: string, before?: number) =>
    this.request<MessagePage>("GET", `/api/channels/${channelId}/messages?${new URLSearchParams({
      limit: "50", ...(before !== undefined ? { before: String(before) } : {}),
    })}`);

  // --- the recordings archive ---

  listRecordings = (groupId: string, query: RecordingsQuery) =>
    this.request<RecordingPage>("GET", `/api/groups/${groupId}/recordings?${recordingsSearch(query)}`);
  getRecording = (id: string) => this.request<RecordingOut>("GET", `/api/recordings/${id}`);
  renameRecording = (id: string, title: string) => this.request<RecordingOut>("PATCH", `/api/recordings/${id}`, { title });
  deleteRecording = (id: string) => this.request<void>("DELETE", `/api/recordings/${id}`);
  /** A link that plays or downloads the MP4 until `expires_at`. */
  recordingLink = (id: string) => this.request<RecordingLink>("POST", `/api/recordings/${id}/link`);

  // --- notifications ---

  notifications = (before?: string) =>
    this.request<NotificationPage>("GET", `/api/notifications?${new URLSearchParams(before ? { before } : {})}`);
  /** One notification, one group's (`groupId`), or all read. */
  markNotificationsRead = (scope: { id: string } | { groupId: string } | "all") =>
    scope !== "all" && "id" in scope
      ? this.request<NotificationsReadOut>("POST", `/api/notifications/${scope.id}/read`)
      : this.request<NotificationsReadOut>("POST", "/api/notifications/read", scope === "all" ? {} : { group_id: scope.groupId });
  groupNotifications = (groupId: string) =>
    this.request<GroupNotificationSettings>("GET", `/api/groups/${groupId}/notification-settings`);
  muteGroup = (groupId: string, muted: boolean) =>
    this.request<GroupNotificationSettings>("PUT", `/api/groups/${groupId}/notification-settings`, { muted });
  muteChannel = (channelId: string, muted: boolean) =>
    this.request<ChannelNotificationSettings>("PUT", `/api/channels/${channelId}/notification-settings`, { muted });
}

/** The archive's query string: only the filters that are set, in a fixed order (the string also
 * names the query in the store, so equal filters give equal strings). */
export function recordingsSearch(query: RecordingsQuery): string {
  const entries = Object.entries(query).filter(([, value]) => value !== null && value !== undefined && value !== "");
  return new URLSearchParams(entries.sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, String(v)])).toString();
}
