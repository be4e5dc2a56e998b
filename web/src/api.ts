// The only module that talks to the server: the OGC API – Features
// collections, event writes and the analysis endpoints under /api.
import type { Feature, FeatureCollection, Geometry, MultiPolygon, Point, Polygon } from 'geojson';
import { currentLang } from './i18n';

/** InvalidParam names one offending field of a request (problem+json invalid_params). */
export interface InvalidParam {
  name: string;
  reason: string;
}

/** ApiError is a failed request with the server's problem details. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly params: InvalidParam[],
    /** missing is true when the server has no such endpoint (yet). */
    readonly missing: boolean,
    readonly endpoint: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

async function failure(res: Response, endpoint: string): Promise<ApiError> {
  const ct = res.headers.get('Content-Type') ?? '';
  if (ct.includes('problem+json') || ct.includes('json')) {
    try {
      const p = await res.json();
      return new ApiError(res.status, p.title ?? res.statusText, p.detail ?? '', p.invalid_params ?? [], false, endpoint);
    } catch {
      // fall through to the plain answer below
    }
  }
  // The router's own 404/405 (plain text) means the endpoint does not exist.
  const missing = res.status === 404 || res.status === 405 || res.status === 501;
  return new ApiError(res.status, res.statusText || `HTTP ${res.status}`, '', [], missing, endpoint);
}

let unauthorized: (() => void) | null = null;

/** onUnauthorized registers fn to run when the server rejects the token (401). */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/** token is the API token of this tab's session, if any. It is kept in
 * sessionStorage: it survives a reload of the page but not the closing of
 * the tab, and no other tab or later visit finds it. */
export function token(): string {
  return sessionStorage.getItem('bw.token') ?? '';
}

/** setToken stores (or, empty, forgets) the API token, and the name of the
 * user it was issued to when it came from a sign-in. */
export function setToken(tok: string, username = ''): void {
  if (tok) sessionStorage.setItem('bw.token', tok);
  else sessionStorage.removeItem('bw.token');
  if (tok && username) sessionStorage.setItem('bw.username', username);
  else sessionStorage.removeItem('bw.username');
  // Earlier versions kept the token in localStorage: remove any left there.
  localStorage.removeItem('bw.token');
  localStorage.removeItem('bw.username');
}

/** logout revokes the session's token on the server, then forgets it. The
 * token is forgotten even when the server cannot be reached. */
export async function logout(): Promise<void> {
  try {
    if (token()) await send<null>('POST', '/api/logout');
  } finally {
    setToken('');
  }
}

/** Me is who the token acts as. */
export interface Me {
  agency: string;
  role: string;
  actor: string;
}

/** login exchanges a username and password for a session token and stores it. */
export async function login(username: string, password: string): Promise<Me> {
  const r = await send<{ token: string; user: { username: string; agency: string; role: string } }>('POST', '/api/login', { body: { username, password } });
  setToken(r.data.token, r.data.user.username);
  return { agency: r.data.user.agency, role: r.data.user.role, actor: r.data.user.username };
}

/** me asks the server who the stored token acts as. */
export async function me(): Promise<Me> {
  const m = (await send<Me>('GET', '/api/me')).data;
  // /api/me names the principal ("user:7"); show the name signed in with.
  return { ...m, actor: sessionStorage.getItem('bw.username') || m.actor };
}

interface Sent<T> {
  data: T;
  etag: string;
  location: string;
}

async function send<T>(method: string, path: string, opts: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal; text?: boolean } = {}): Promise<Sent<T>> {
  // The server writes its problems (titles, field reasons) in the interface language.
  const headers: Record<string, string> = { Accept: opts.text ? 'text/plain, text/csv, */*' : 'application/geo+json, application/json', 'Accept-Language': currentLang(), ...opts.headers };
  const tok = token();
  if (tok) headers.Authorization = `Bearer ${tok}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), { method, headers, body, signal: opts.signal, credentials: 'same-origin' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'Network error', (e as Error).message, [], false, path);
  }
  if (res.status === 401 && unauthorized) unauthorized();
  if (!res.ok) throw await failure(res, path);
  const data = (res.status === 204 ? null : opts.text ? await res.text() : await res.json()) as T;
  return { data, etag: res.headers.get('ETag') ?? '', location: res.headers.get('Location') ?? '' };
}

/** ItemsResponse is an OGC API items page. */
export interface ItemsResponse<G extends Geometry | null = Geometry, P = Record<string, unknown>> extends FeatureCollection<G, P> {
  numberMatched?: number;
  numberReturned: number;
  links: { href: string; rel: string }[];
}

/** collection fetches every feature of a reference collection (following next links). */
export async function collection<G extends Geometry | null = Geometry, P = Record<string, unknown>>(id: string, signal?: AbortSignal): Promise<FeatureCollection<G, P>> {
  const features: Feature<G, P>[] = [];
  let path: string | null = url(`/collections/${id}/items`, { limit: 10000 });
  while (path) {
    const page: ItemsResponse<G, P> = (await send<ItemsResponse<G, P>>('GET', path, { signal })).data;
    features.push(...page.features);
    const next = page.links?.find((l) => l.rel === 'next');
    path = next ? new URL(next.href, location.href).pathname + new URL(next.href, location.href).search : null;
  }
  return { type: 'FeatureCollection', features };
}

/** CollectionInfo is the OGC API description of a collection. */
export interface CollectionInfo {
  id: string;
  title: string;
  extent?: { spatial?: { bbox: number[][] }; temporal?: { interval: (string | null)[][] } };
}

/** collectionInfo fetches a collection's description (extent, title). */
export async function collectionInfo(id: string): Promise<CollectionInfo> {
  return (await send<CollectionInfo>('GET', `/collections/${id}`)).data;
}

/** EventFilter selects events and hotspot inputs. Dates are YYYY-MM-DD. */
export interface EventFilter {
  from?: string;
  to?: string;
  kind?: string;
  drug?: string;
  agency?: string;
  category?: string;
}

function interval(f: EventFilter): string | undefined {
  if (!f.from && !f.to) return undefined;
  const a = f.from ? `${f.from}T00:00:00Z` : '..';
  const b = f.to ? `${f.to}T23:59:59Z` : '..';
  return `${a}/${b}`;
}

/** Item is one drug of a seizure. */
export interface Item {
  drug: string;
  quantity: number | null;
  /** confirmed_implausible confirms a quantity above the drug's plausible maximum. */
  confirmed_implausible?: boolean;
  unit: string;
  qualifier?: string;
}

/** EventProps are the properties of an event feature. */
export interface EventProps {
  kind: string;
  occurred_at: string;
  time_precision?: string;
  accuracy_m?: number | null;
  place?: string;
  agency: string;
  sharing?: string;
  source_ref?: string;
  source_url?: string;
  synthetic?: boolean;
  joint_operation?: string | null;
  items: Item[];
  total_kg?: number;
  drugs?: string;
  category?: string;
  severity?: number;
  persons_detained?: number | null;
  notes?: string;
  version?: number;
}

export type EventFeature = Feature<Point, EventProps>;

/** events lists events in bbox matching f, at most limit of them. */
export async function events(f: EventFilter, bbox: number[] | null, limit: number, signal?: AbortSignal): Promise<ItemsResponse<Point, EventProps>> {
  const q: Query = { limit, datetime: interval(f), kind: f.kind, drug: f.drug, agency: f.agency, category: f.category };
  if (bbox) q.bbox = bbox.map((v) => v.toFixed(5)).join(',');
  return (await send<ItemsResponse<Point, EventProps>>('GET', '/collections/events/items', { query: q, signal })).data;
}

/** eventTilesURL is the URL template of the events' vector tiles with the
 *  filter f (MapLibre fills in {z}, {y} and {x}). */
export function eventTilesURL(f: EventFilter): string {
  const q: Query = { datetime: interval(f), kind: f.kind, drug: f.drug, agency: f.agency, category: f.category };
  return location.origin + url('/collections/events/tiles/WebMercatorQuad/{z}/{y}/{x}', q).replace(/%7B([xyz])%7D/g, '{$1}');
}

/** tileRequest adds the session's token to the map's requests for this
 *  service's tiles (MapLibre's transformRequest); others go unchanged. */
export function tileRequest(u: string): { url: string; headers?: Record<string, string> } {
  if (u.startsWith(location.origin + '/collections/') && token()) return { url: u, headers: { Authorization: `Bearer ${token()}` } };
  return { url: u };
}

/** Saved is an event as stored, with the ETag to send with the next change. */
export interface Saved {
  feature: EventFeature;
  etag: string;
}

/** getEvent reads one event with its ETag. */
export async function getEvent(id: string): Promise<Saved> {
  const r = await send<EventFeature>('GET', `/collections/events/items/${encodeURIComponent(id)}`);
  return { feature: r.data, etag: r.etag };
}

/** createEvent stores a new event. */
export async function createEvent(f: EventFeature): Promise<Saved> {
  const r = await send<EventFeature>('POST', '/collections/events/items', { body: f });
  return { feature: r.data, etag: r.etag };
}

/** replaceEvent replaces an event; etag is the version that was edited. */
export async function replaceEvent(id: string, f: EventFeature, etag: string): Promise<Saved> {
  const r = await send<EventFeature>('PUT', `/collections/events/items/${encodeURIComponent(id)}`, { body: f, headers: { 'If-Match': etag } });
  return { feature: r.data, etag: r.etag };
}

/** deleteEvent deletes an event; etag is the version the user saw. */
export async function deleteEvent(id: string, etag: string): Promise<void> {
  await send<null>('DELETE', `/collections/events/items/${encodeURIComponent(id)}`, { headers: { 'If-Match': etag } });
}

/** AnalysisCollection is a GeoJSON answer of an analysis endpoint with its parameters and statistics. */
export interface AnalysisCollection<P = Record<string, unknown>> extends FeatureCollection<Geometry, P> {
  [extra: string]: unknown;
}

function filterQuery(f: EventFilter): Query {
  return { from: f.from, to: f.to, kind: f.kind, drug: f.drug, agency: f.agency, category: f.category };
}

/** HotspotParams are the grid and method parameters of /api/hotspots. */
export interface HotspotParams {
  method: 'gistar' | 'kde';
  cell_m?: number;
  radius_m?: number;
  bandwidth_m?: number;
  min_bin?: number;
}

/** hotspots computes Gi* or kernel density cells. */
export async function hotspots(p: HotspotParams, f: EventFilter, signal?: AbortSignal): Promise<AnalysisCollection> {
  return (await send<AnalysisCollection>('GET', '/api/hotspots', { query: { ...p, ...filterQuery(f) }, signal })).data;
}

/** hotspotValues computes the same cells as hotspots without their
 *  outlines (skipGeometry): the statistics and values for the legend and
 *  the summary, while the map draws the cells from hotspotTilesURL. */
export async function hotspotValues(p: HotspotParams, f: EventFilter, signal?: AbortSignal): Promise<AnalysisCollection> {
  return (await send<AnalysisCollection>('GET', '/api/hotspots', { query: { ...p, ...filterQuery(f), skipGeometry: 'true' }, signal })).data;
}

/** hotspotTilesURL is the URL template of the vector tiles of the hotspot
 *  cells that /api/hotspots answers with p and f (MapLibre fills in {z},
 *  {y} and {x}). */
export function hotspotTilesURL(p: HotspotParams, f: EventFilter): string {
  return location.origin + url('/collections/hotspots/tiles/WebMercatorQuad/{z}/{y}/{x}', { ...p, ...filterQuery(f) }).replace(/%7B([xyz])%7D/g, '{$1}');
}

/** clusters runs DBSCAN and returns the cluster hulls. */
export async function clusters(p: { eps_m: number; min_points: number }, f: EventFilter, signal?: AbortSignal): Promise<AnalysisCollection> {
  return (await send<AnalysisCollection>('GET', '/api/clusters', { query: { ...p, ...filterQuery(f) }, signal })).data;
}

/** emerging runs the emerging hot spot analysis. */
export async function emerging(p: { step: string; cell_m?: number; radius_m?: number }, f: EventFilter, signal?: AbortSignal): Promise<AnalysisCollection> {
  return (await send<AnalysisCollection>('GET', '/api/hotspots/emerging', { query: { ...p, ...filterQuery(f) }, signal })).data;
}

/** RiskParams select the periods and sectors of /api/sectors/risk. */
export interface RiskParams {
  from?: string;
  to?: string;
  compare_from?: string;
  compare_to?: string;
  pair?: string;
  agency?: string;
}

/** RiskCollection is the answer of /api/sectors/risk: the sectors with their
 * metrics (score, rank, seizures, incidents, total_kg, kg_<drug>,
 * events_rate_ratio, events_p, events_change, …) and the method. */
export interface RiskCollection extends FeatureCollection<Geometry, Record<string, unknown>> {
  period?: { start: string; end: string };
  compare_period?: { start: string; end: string };
  months?: string[];
  score?: { formula: string; weights: Record<string, number>; maxima: Record<string, number> };
  change_test?: string;
  trend_test?: string;
  numberReturned?: number;
}

/** SidesTest compares the event rates of the two sides of a section. */
export interface SidesTest {
  test: string;
  first: string;
  second: string;
  rate_ratio: number | null;
  p: number;
  different: boolean;
}

/** SectionCollection is the answer of /api/sectors/sections/{section}. */
export interface SectionCollection extends RiskCollection {
  section?: { id: string; border: string; sides: string[]; sides_test?: SidesTest };
}

/** sectorRisk computes the risk index of every sector. */
export async function sectorRisk(p: RiskParams, signal?: AbortSignal): Promise<RiskCollection> {
  return (await send<RiskCollection>('GET', '/api/sectors/risk', { query: { ...p }, signal })).data;
}

/** sectorSection compares the two sides of one border section over the same periods. */
export async function sectorSection(section: string, p: RiskParams, signal?: AbortSignal): Promise<SectionCollection> {
  const { pair: _pair, agency: _agency, ...q } = p;
  return (await send<SectionCollection>('GET', `/api/sectors/sections/${encodeURIComponent(section)}`, { query: { ...q }, signal })).data;
}

/** sectorRiskCSV fetches the same table as CSV for spreadsheets. */
export async function sectorRiskCSV(p: RiskParams): Promise<string> {
  return (await send<string>('GET', '/api/sectors/risk', { query: { ...p, f: 'csv' }, text: true })).data;
}

/** ReportParams are the query of GET /api/report. */
export interface ReportParams {
  from?: string;
  to?: string;
  by?: string;
  agency?: string;
}

/** ReportRow is the totals of one agency (agency "": all) in one period. */
export interface ReportRow {
  period: string;
  agency: string;
  agency_name: string;
  seizures: number;
  incidents: number;
  total_kg: number;
  kg: Record<string, number> | null;
  litres: Record<string, number> | null;
  joint_operations: number;
}

/** Report is the answer of GET /api/report. */
export interface Report {
  from: string | null;
  to: string | null;
  by: string;
  rows: ReportRow[];
  definitions: Record<string, string>;
}

/** report fetches totals per agency, drug and period. */
export async function report(p: ReportParams): Promise<Report> {
  return (await send<Report>('GET', '/api/report', { query: { ...p } })).data;
}

/** reportCSV fetches the same totals as CSV for spreadsheets. */
export async function reportCSV(p: ReportParams): Promise<string> {
  return (await send<string>('GET', '/api/report', { query: { ...p, f: 'csv' }, text: true })).data;
}

/** PlanRequest is the body of POST /api/patrols/plan. */
export interface PlanRequest {
  teams: (number | string)[];
  budget_h?: number;
  from?: string;
  to?: string;
  allow_crossings?: (number | string)[];
  variety?: number;
  /** shift_date (YYYY-MM-DD) and shift_start (HH:MM, local time of the teams' country) set the departure. */
  shift_date?: string;
  shift_start?: string;
  /** targets "forecast" plans on the forecast's risk instead of the hot spots. */
  targets?: 'hotspots' | 'forecast';
  forecast?: { method?: string; as_of?: string; until?: string; cell_m?: number; effort?: 'none' | 'adjusted'; effort_prior_h?: number };
}

/** Plan is a stored patrol plan. */
export interface Plan extends FeatureCollection {
  id: string;
  created_at?: string;
  departure?: string;
  shift_date?: string;
  shift_start?: string;
  time_zone?: string;
  from?: string;
  to?: string;
  score?: number;
  /** targets is the number of candidate targets; unreachable lists those no team could reach. */
  targets?: number;
  unreachable?: string[];
  events?: number;
  roads?: number;
  /** planned_on is what the plan was made on: targets "hotspots" or "forecast" and its method, as_of, until, total. */
  planned_on?: Record<string, unknown> & { targets?: string };
}

/** planPatrols plans routes for the chosen teams and stores the plan. */
export async function planPatrols(req: PlanRequest): Promise<Plan> {
  return (await send<Plan>('POST', '/api/patrols/plan', { body: req })).data;
}

/** PlanSummary is one entry of GET /api/plans. */
export interface PlanSummary {
  id: string;
  created_by: string;
  /** created_by_name is the planner's user name, "" for a plain API token. */
  created_by_name?: string;
  created_at: string;
  teams: number;
  score: number;
}

/** listPlans returns the newest stored plans of the caller's agency. */
export async function listPlans(limit = 10): Promise<PlanSummary[]> {
  return (await send<{ plans: PlanSummary[] }>('GET', '/api/plans', { query: { limit: String(limit) } })).data.plans ?? [];
}

/** getPlan returns a stored plan as GeoJSON. */
export async function getPlan(id: string): Promise<Plan> {
  return (await send<Plan>('GET', `/api/plans/${encodeURIComponent(id)}`)).data;
}

/** planFile fetches a stored plan as GeoJSON, GPX or KML text. */
export async function planFile(id: string | number, f: 'geojson' | 'gpx' | 'kml'): Promise<string> {
  const query = f === 'geojson' ? {} : { f };
  return (await send<string>('GET', `/api/plans/${encodeURIComponent(String(id))}`, { query, text: true })).data;
}

/** CardPosition is a point in the forms field officers use. */
export interface CardPosition { lon: number; lat: number; dd: string; dms: string; mgrs: string }

/** RouteCard is one team's route card (GET /api/plans/{id}/cards). */
export interface RouteCard {
  team: number | string; name: string; depart?: string; return?: string; length_km: number; duration_h: number;
  base?: CardPosition; route: [number, number][];
  stops: { seq: number; name: string; eta?: string; dwell_min: number; reason?: string; position: CardPosition; way_synthetic_km?: number; way_inferred_km?: number }[];
}

/** RouteCards are the route cards of a stored plan, one per team. */
export interface RouteCards { plan: string; created_at: string; teams: RouteCard[] }

/** routeCards fetches the route cards of a stored plan. */
export async function routeCards(id: string): Promise<RouteCards> {
  return (await send<RouteCards>('GET', `/api/plans/${encodeURIComponent(id)}/cards`)).data;
}

/** planURL is the address of a stored plan in format f, for links. */
export function planURL(id: string | number, f: 'geojson' | 'gpx' | 'kml'): string {
  return url(`/api/plans/${encodeURIComponent(String(id))}`, f === 'geojson' ? {} : { f });
}

/** Agreement is a sharing agreement in force. */
export interface Agreement {
  id: number;
  agency_a: string;
  agency_b: string;
  coarsen_m: number | null;
  coarsen_time: string | null;
  note?: string;
}

/** Proposal is proposed terms waiting for (or decided by) the partner. */
export interface Proposal extends Omit<Agreement, 'id'> {
  id: number;
  proposed_by: string;
  state: 'pending' | 'accepted' | 'declined' | 'withdrawn' | 'superseded';
  proposed_at: string;
  decided_at?: string;
  decided_by?: string;
}

/** AgreementChange is one step of an agreement's history. */
export interface AgreementChange {
  id: number;
  at: string;
  agency_a: string;
  agency_b: string;
  by: string;
  action: 'proposed' | 'accepted' | 'declined' | 'withdrawn' | 'narrowed' | 'revoked';
  before: { coarsen_m: number | null; coarsen_time: string | null } | null;
  after: { coarsen_m: number | null; coarsen_time: string | null } | null;
}

/** Sharing is what GET /api/agreements answers an admin. */
export interface Sharing {
  agreements: Agreement[] | null;
  proposals: Proposal[] | null;
  history: AgreementChange[] | null;
}

/** Terms are what an admin proposes to a partner. */
export interface Terms {
  partner: string;
  coarsen_m: number | null;
  coarsen_time: string | null;
  note: string;
}

/** sharing fetches the agency's agreements, proposals and their history. */
export async function sharing(): Promise<Sharing> {
  return (await send<Sharing>('GET', '/api/agreements')).data;
}

/** propose proposes terms; applied is true when they were coarser than
 * those in force and took effect at once. */
export async function propose(terms: Terms): Promise<{ applied: boolean; proposal_id: number | null }> {
  return (await send<{ applied: boolean; proposal_id: number | null }>('POST', '/api/agreements', { body: terms })).data;
}

/** decide accepts or declines (or, one's own, withdraws) a proposal. */
export async function decide(id: number, how: 'accept' | 'decline'): Promise<void> {
  await send<unknown>('POST', `/api/agreements/proposals/${id}/${how}`);
}

/** revoke ends an agreement at once. */
export async function revoke(id: number): Promise<void> {
  await send<null>('DELETE', `/api/agreements/${id}`);
}

/** Agency is one agency of the reference data. */
export interface Agency { id: string; name: string; country: string; kind: string }
/** agencies lists every agency of the reference data. */
export async function agencies(): Promise<Agency[]> {
  return (await send<{ agencies: Agency[] | null }>('GET', '/api/agencies')).data.agencies ?? [];
}

/** UserInfo is a user of the admin's agency. */
export interface UserInfo { id: number; username: string; agency: string; role: string; disabled: boolean; created_at: string; sessions: number }
/** users lists the users of the admin's agency. */
export async function users(): Promise<UserInfo[]> {
  return (await send<{ users: UserInfo[] | null }>('GET', '/api/users')).data.users ?? [];
}
/** createUser creates a user of the admin's agency. */
export async function createUser(u: { username: string; role: string; password: string }): Promise<UserInfo> {
  return (await send<UserInfo>('POST', '/api/users', { body: u })).data;
}
/** updateUser changes a user's role, password or access; every change ends the user's sessions. */
export async function updateUser(id: number, c: { role?: string; disabled?: boolean; password?: string }): Promise<UserInfo> {
  return (await send<UserInfo>('PATCH', `/api/users/${id}`, { body: c })).data;
}

/** TokenInfo is an API token of the admin's agency (without its secret). */
export interface TokenInfo { id: number; agency: string; role: string; user_id?: number; label: string; created_at: string; expires_at?: string; revoked_at?: string }
/** tokens lists the agency's API tokens. */
export async function tokens(): Promise<TokenInfo[]> {
  return (await send<{ tokens: TokenInfo[] | null }>('GET', '/api/tokens')).data.tokens ?? [];
}
/** createToken creates a token; its secret is in this answer only. */
export async function createToken(t: { role: string; label: string; ttl_hours: number }): Promise<{ token: string; info: TokenInfo }> {
  return (await send<{ token: string; info: TokenInfo }>('POST', '/api/tokens', { body: t })).data;
}
/** revokeToken revokes a token at once. */
export async function revokeToken(id: number): Promise<void> {
  await send<null>('DELETE', `/api/tokens/${id}`);
}

/** AuditEntry is one entry of the agency's audit log. */
export interface AuditEntry { id: number; at: string; actor: string; action: string; target: string; detail: Record<string, unknown>; remote_addr: string; signed: boolean }
/** audit pages through the agency's audit log, newest first. */
export async function audit(before = 0, limit = 100): Promise<AuditEntry[]> {
  return (await send<{ entries: AuditEntry[] | null }>('GET', '/api/audit', { query: { before: before || undefined, limit } })).data.entries ?? [];
}
/** AuditCheck is the result of verifying the whole audit log. */
export interface AuditCheck { intact: boolean; entries: number; signed: number; unsigned: number; problems: string[]; key_id: string; checked_at: string }
/** verifyAudit verifies the whole audit log's chain and signatures. */
export async function verifyAudit(): Promise<AuditCheck> {
  return (await send<AuditCheck>('GET', '/api/audit/verify')).data;
}

/** Where is where a message is about: a crossing, a border section or a point [lon, lat]. */
export interface Where {
  crossing?: number;
  section?: string;
  point?: [number, number];
}

/** Delivery is a message's state at one recipient agency. */
export interface Delivery {
  agency: string;
  state: 'delivered' | 'read' | 'acknowledged' | 'answered';
  delivered_at: string;
  read_at?: string;
  read_by?: string;
  acknowledged_at?: string;
  acknowledged_by?: string;
  answered_at?: string;
  answered_by?: string;
  overdue: boolean;
}

/** Message is a message between agencies; text and subjects only in the audited reads. */
export interface Message {
  id: number;
  kind: 'lookout' | 'rfi' | 'reply' | 'notice';
  urgency: 'routine' | 'urgent' | 'flash';
  author_agency: string;
  author: string;
  text?: string;
  subjects?: (number | string)[];
  in_reply_to?: number;
  thread_id: number;
  where: Where;
  valid_from?: string;
  valid_until?: string;
  ack_due_at?: string;
  created_at: string;
  purged: boolean;
  deliveries: Delivery[];
}

/** MessageCounts are the caller's unread and overdue messages. */
export interface MessageCounts {
  unread: number;
  overdue_in: number;
  overdue_out: number;
}

/** MessageBox is a page of GET /api/messages. */
export interface MessageBox {
  box: 'inbox' | 'outbox';
  messages: Message[];
  counts: MessageCounts;
  next?: number;
}

/** MessageDraft is the body of POST /api/messages. */
export interface MessageDraft {
  kind: Message['kind'];
  urgency: Message['urgency'];
  text: string;
  recipients: string[];
  subjects: (number | string)[];
  where: Where;
  valid_from?: string;
  valid_until?: string;
  in_reply_to?: number;
}

/** messages lists a box, newest first, without texts, with the counts. */
export async function messages(box: 'inbox' | 'outbox', limit = 50, before?: number, signal?: AbortSignal): Promise<MessageBox> {
  return (await send<MessageBox>('GET', '/api/messages', { query: { box, limit, before }, signal })).data;
}

/** thread reads every message of a message's thread, oldest first; the server marks them read and audits it. */
export async function thread(id: number): Promise<Message[]> {
  return (await send<{ thread_id: number; messages: Message[] }>('GET', `/api/messages/${id}/thread`)).data.messages;
}

/** sendMessage stores a message; key makes a retry safe. */
export async function sendMessage(d: MessageDraft, key: string): Promise<Message> {
  return (await send<Message>('POST', '/api/messages', { body: d, headers: { 'Idempotency-Key': key } })).data;
}

/** ackMessage acknowledges a message for the caller's agency. */
export async function ackMessage(id: number): Promise<Message> {
  return (await send<Message>('POST', `/api/messages/${id}/ack`)).data;
}

/** Entity is a person, vehicle, consignment or group as the caller may see it. */
export interface Entity {
  id: string;
  kind: 'person' | 'vehicle' | 'consignment' | 'group';
  agency: string;
  sharing: string;
  synthetic: boolean;
  person?: { name?: string; script?: string; other_names?: string[]; birth_year?: number; nationality?: string };
  vehicle?: { plate?: string; plate_country?: string; make?: string; model?: string; colour?: string; kind?: string };
  consignment?: { description?: string; declared_content?: string; suspected_content?: string; weight_kg?: number; container_no?: string };
  group?: { name?: string; description?: string };
  personal_data: boolean;
  withheld?: string[];
  name_latin?: string;
  name_cyrillic?: string;
}

/** entities lists the entities the caller may see (up to limit, of the given kinds). */
export async function entities(kinds: string[] = [], limit = 1000, signal?: AbortSignal): Promise<Entity[]> {
  return (await send<{ entities: Entity[] }>('GET', '/api/entities', { query: { kind: kinds.join(','), limit }, signal })).data.entities ?? [];
}

/** entity reads one entity as the caller may see it (a person's read is audited). */
export async function entity(id: string, signal?: AbortSignal): Promise<Entity> {
  return (await send<Entity>('GET', `/api/entities/${encodeURIComponent(id)}`, { signal })).data;
}

/** match finds the entities the caller sees whose name, plate or document number is like text, best first. */
export async function match(kind: 'person' | 'vehicle' | 'document', text: string, limit = 8, signal?: AbortSignal): Promise<{ id: string; score: number; entity: Entity }[]> {
  const param = kind === 'person' ? 'name' : kind === 'vehicle' ? 'plate' : 'number';
  return (await send<{ matches: { id: string; score: number; entity: Entity }[] }>('GET', '/api/match', { query: { kind, [param]: text, limit }, signal })).data.matches;
}

/** Hit is a record of the recording agency that matched a subject of an active lookout addressed to it. */
export interface Hit {
  id: number;
  message_id: number;
  subject_id: string;
  entity_id: string;
  event_id?: string;
  kind: 'person' | 'vehicle';
  score: number;
  agency: string;
  author_agency: string;
  created_at: string;
  released_at?: string;
  released_by?: string;
}

/** hits lists the caller's hits (recorded by its agency, or on its lookouts), newest first. */
export async function hits(limit = 100, signal?: AbortSignal): Promise<Hit[]> {
  return (await send<{ hits: Hit[] }>('GET', '/api/hits', { query: { limit }, signal })).data.hits;
}

/** releaseHit tells the lookout's author of a hit of the caller's agency. */
export async function releaseHit(id: number): Promise<Hit> {
  return (await send<Hit>('POST', `/api/hits/${id}/release`)).data;
}

/** NetworkNode is an entity or an event of a network, depth steps from its root. */
export interface NetworkNode {
  id: string;
  type: 'entity' | 'event';
  depth: number;
  entity?: Entity;
  event?: { kind: string; occurred_at: string; time_precision: string; agency: string; sharing: string; total_kg?: number; coarsened: boolean };
}

/** NetworkEdge is a link between two entities, or of an event to an entity. */
export interface NetworkEdge {
  id: string;
  type: 'entity_link' | 'event_entity';
  from: string;
  to: string;
  role: string;
}

/** Network is what GET /api/entities/{id}/network answers. */
export interface Network {
  root: string;
  nodes: NetworkNode[];
  edges: NetworkEdge[];
  truncated: boolean;
}

/** network reads an entity's events and linked entities depth steps out. */
export async function network(id: string, depth = 2, signal?: AbortSignal): Promise<Network> {
  return (await send<Network>('GET', `/api/entities/${encodeURIComponent(id)}/network`, { query: { depth }, signal })).data;
}

/** StreamEvent is one event of the live stream. */
export interface StreamEvent {
  id: string;
  type: string;
  data: unknown;
}

/** follow reads the live stream (GET /api/stream) with the bearer token,
 * which EventSource cannot send, calling onEvent for each event. It returns
 * when the server ends the stream, with the id of the last event, from
 * which the next call resumes (Last-Event-ID); it throws on a failed request. */
export async function follow(types: string, lastId: string, onEvent: (e: StreamEvent) => void, onOpen: () => void, signal: AbortSignal): Promise<{ lastId: string; retryMs: number }> {
  const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` };
  if (lastId) headers['Last-Event-ID'] = lastId;
  const res = await fetch(url('/api/stream', { types }), { headers, signal, cache: 'no-store', credentials: 'same-origin' });
  if (res.status === 401 && unauthorized) unauthorized();
  if (!res.ok || !res.body) throw await failure(res, '/api/stream');
  onOpen();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  let retryMs = 2000;
  let ev = { id: '', type: 'message', data: [] as string[] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { lastId, retryMs };
    buf += value;
    let nl: number;
    while ((nl = buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + (buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        // An event ends at a blank line (the SSE format).
        if (ev.id) lastId = ev.id;
        if (ev.data.length) {
          let data: unknown = ev.data.join('\n');
          try { data = JSON.parse(data as string); } catch { /* not JSON: keep the text */ }
          onEvent({ id: ev.id || lastId, type: ev.type, data });
        }
        ev = { id: '', type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') ev.id = val;
      else if (field === 'event') ev.type = val;
      else if (field === 'data') ev.data.push(val);
      else if (field === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
    }
  }
}

/** Alert is one episode of a condition of a team (GET /api/alerts). */
export interface Alert {
  id: number;
  team: number;
  /** team_name is in the listing, not in stream events. */
  team_name?: string;
  agency: string;
  kind: RuleKind;
  raised_at: string;
  fix_time: string | null;
  lon: number | null;
  lat: number | null;
  detail: { distance_m?: number; threshold_m?: number; limit_min?: number; [k: string]: unknown };
  cleared_at: string | null;
  acked_at: string | null;
  acked_by: string | null;
}

/** alerts lists the agency's alerts, newest first. */
export async function alerts(opts: { open?: boolean; unacked?: boolean; limit?: number } = {}, signal?: AbortSignal): Promise<Alert[]> {
  return (await send<{ alerts: Alert[] }>('GET', '/api/alerts', { query: { open: opts.open || undefined, unacked: opts.unacked || undefined, limit: opts.limit }, signal })).data.alerts ?? [];
}

/** RULE_KINDS are the conditions an alert rule watches (record.RuleKinds). */
export const RULE_KINDS = ['zone_enter', 'zone_leave', 'border_near', 'border_cross', 'immobile', 'silent', 'battery_low'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** ZONE_SOURCES are where a zone rule's zone comes from. */
export const ZONE_SOURCES = ['drawn', 'sector', 'hotspot'] as const;
export type ZoneSource = (typeof ZONE_SOURCES)[number];

/** AlertRuleInput is the body of POST and PUT /api/alert-rules. */
export interface AlertRuleInput {
  name: string;
  kind: RuleKind;
  team?: number;
  zone_source?: ZoneSource;
  sector?: string;
  zone?: Polygon | MultiPolygon;
  distance_m?: number;
  minutes?: number;
  battery_pct?: number;
  base_m?: number;
  enabled: boolean;
}

/** AlertRule is a stored rule of the agency (GET /api/alert-rules). */
export interface AlertRule {
  id: number;
  agency: string;
  team: number | null;
  name: string;
  kind: RuleKind;
  zone_source: ZoneSource | null;
  sector: string | null;
  zone: MultiPolygon | null;
  distance_m: number | null;
  minutes: number | null;
  battery_pct: number | null;
  base_m: number | null;
  enabled: boolean;
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** alertRules lists the agency's alert rules. */
export async function alertRules(signal?: AbortSignal): Promise<AlertRule[]> {
  return (await send<{ rules: AlertRule[] }>('GET', '/api/alert-rules', { signal })).data.rules ?? [];
}

/** saveAlertRule creates a rule (id 0) or replaces rule id (admins). */
export async function saveAlertRule(id: number, r: AlertRuleInput): Promise<AlertRule> {
  return (await send<AlertRule>(id ? 'PUT' : 'POST', id ? `/api/alert-rules/${id}` : '/api/alert-rules', { body: r })).data;
}

/** deleteAlertRule deletes a rule (admins). */
export async function deleteAlertRule(id: number): Promise<void> {
  await send<null>('DELETE', `/api/alert-rules/${id}`);
}

/** ackAlert acknowledges an alert; acknowledged is false when it already was. */
export async function ackAlert(id: number): Promise<{ id: number; acknowledged: boolean }> {
  return (await send<{ id: number; acknowledged: boolean }>('POST', `/api/alerts/${id}/ack`)).data;
}

/** PositionProps are the properties of a position feature. */
export interface PositionProps {
  /** team is the team's id as /collections/teams/items gives it. */
  team: string;
  team_name?: string;
  agency: string;
  fix_time: string;
  age_s: number;
  coarsened: boolean;
  flags: string[] | null;
  battery_pct?: number;
  speed_mps?: number;
}

/** latestPositions answers each visible team's latest plausible position. */
export async function latestPositions(signal?: AbortSignal): Promise<FeatureCollection<Point, PositionProps>> {
  return (await send<FeatureCollection<Point, PositionProps>>('GET', '/api/teams/positions/latest', { signal })).data;
}

/** ShiftStop is a planned stop of a shift and whether the track visited it. */
export interface ShiftStop {
  seq: number;
  name: string;
  lon: number;
  lat: number;
  eta: string;
  depart: string;
  status: 'visited' | 'skipped' | 'pending';
  visited_at: string | null;
  nearest_m: number | null;
}

/** Shift is GET /api/teams/{id}/shift: the track and the plan of a day. */
export interface Shift {
  team: number;
  date: string;
  plan: string | null;
  from: string;
  to: string;
  radius_m: number;
  distance_km: number;
  positions: number;
  visited: number;
  skipped: number;
  track: [number, number][];
  times: string[];
  stops: ShiftStop[];
}

/** shift reads a team's track and planned stops on date (YYYY-MM-DD, UTC). */
export async function shift(team: number, date: string, radiusM: number, signal?: AbortSignal): Promise<Shift> {
  return (await send<Shift>('GET', `/api/teams/${team}/shift`, { query: { date, radius_m: radiusM }, signal })).data;
}

/** ForecastParams are the query of GET /api/forecast and its backtest. */
export interface ForecastParams {
  method: string;
  as_of: string;
  until: string;
  cell_m?: string;
  periods?: string;
}

/** forecast returns the expected events per hexagon in [as_of, until). */
export async function forecast(p: ForecastParams, signal?: AbortSignal): Promise<FeatureCollection & { used?: { method?: string }; total?: number }> {
  return (await send<FeatureCollection & { used?: { method?: string }; total?: number }>('GET', '/api/forecast', { query: { ...p }, signal })).data;
}

/** BacktestMethod is one candidate of a backtest with its mean scores. */
export interface BacktestMethod {
  name: string;
  method: string;
  mean: { hit_rate: number[]; pai: number[]; top_groups_5?: number };
}

/** Backtest is the answer of GET /api/forecast/backtest. */
export interface Backtest {
  coverages: number[];
  origins: string[];
  best: string;
  methods: BacktestMethod[];
}

/** backtest scores the forecast methods on rolling origins. */
export async function backtest(p: ForecastParams, signal?: AbortSignal): Promise<Backtest> {
  return (await send<Backtest>('GET', '/api/forecast/backtest', { query: { ...p }, signal })).data;
}

/** sectorForecast returns each sector's expected events in [as_of, until) (feature id: the sector's). */
export async function sectorForecast(p: ForecastParams, signal?: AbortSignal): Promise<FeatureCollection> {
  return (await send<FeatureCollection>('GET', '/api/sectors/forecast', { query: { ...p }, signal })).data;
}
