// @ts-check
// The endpoints of administration (people, reports, the audit log, announcements),
// of reporting a post and of the announcements everyone sees; through api.js's
// request(), so they authenticate and fail as every other call does.
/** @import { Ok } from "./types.js" */
/** @import { AdminAnnouncementList, AdminUserAnswer, AdminUserList, AnnouncementCreated, AnnouncementList } from "./types.js" */
/** @import { AuditList, PersonWithKeyAnswer, ReportCreated, ReportList } from "./types.js" */
import { query, request } from "./api.js";

/**
 * What an administrator may change of a person (`PATCH /api/users/{id}`); only the
 * fields given change, and `email` null removes it.
 * @typedef {{ name?: string, handle?: string, email?: string | null, is_admin?: boolean, active?: boolean }} PersonChange
 */

/**
 * A new person: a handle is made from the name when none is given.
 * @typedef {{ name: string, handle?: string, email?: string, is_admin: boolean }} NewPerson
 */

export const adminApi = {
  /** @type {(q: string, offset: number, limit: number) => Promise<AdminUserList>} */
  people: (q, offset, limit) => request("GET", `/api/admin/users?${query({ q, offset, limit })}`),
  /** @type {(person: NewPerson) => Promise<PersonWithKeyAnswer>} */
  createPerson: (person) => request("POST", "/api/users", { body: person }),
  /** @type {(id: number, change: PersonChange) => Promise<AdminUserAnswer>} */
  changePerson: (id, change) => request("PATCH", `/api/users/${id}`, { body: change }),
  /** @type {(id: number) => Promise<PersonWithKeyAnswer>} */
  newKey: (id) => request("POST", `/api/users/${id}/api-key`),

  /** @type {(status: "open" | "resolved", offset: number, limit: number) => Promise<ReportList>} */
  reports: (status, offset, limit) => request("GET", `/api/admin/reports?${query({ status, offset, limit })}`),
  /** @type {(id: number, resolution: string, deleteTweet: boolean) => Promise<Ok>} */
  resolveReport: (id, resolution, deleteTweet) =>
    request("POST", `/api/admin/reports/${id}/resolve`, { body: { resolution, delete_tweet: deleteTweet } }),

  /** @type {(offset: number, limit: number) => Promise<AuditList>} */
  audit: (offset, limit) => request("GET", `/api/admin/audit?${query({ offset, limit })}`),

  /** @type {(offset: number, limit: number) => Promise<AdminAnnouncementList>} */
  announcements: (offset, limit) => request("GET", `/api/admin/announcements?${query({ offset, limit })}`),
  /** @type {(text: string, endsAt: string | null) => Promise<AnnouncementCreated>} */
  publish: (text, endsAt) => request("POST", "/api/announcements", { body: { text, ends_at: endsAt } }),
  /** @type {(id: number) => Promise<Ok>} */
  withdraw: (id) => request("DELETE", `/api/announcements/${id}`),
};

// What everyone signed in may do.
export const reportApi = {
  /** @type {(tweetId: number, reason: string) => Promise<ReportCreated>} */
  report: (tweetId, reason) => request("POST", `/api/tweets/${tweetId}/report`, { body: { reason } }),
};

export const announcementApi = {
  /** @type {() => Promise<AnnouncementList>} */
  active: () => request("GET", "/api/announcements"),
  /** @type {(id: number) => Promise<Ok>} */
  dismiss: (id) => request("POST", `/api/announcements/${id}/dismiss`),
};
