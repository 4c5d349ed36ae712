// @ts-check
// The shapes the web app shares between its modules, for the type check only
// (tools/js/tsconfig.json): JSDoc typedefs, no code. A module takes the ones it
// needs with a `@import` comment, so the browser never loads this file.
//
// The API's answers, as the server's own response models describe them
// (app/handlers/*/schemas.py, app/handlers/limits/router.py, and the envelope in
// app/web/openapi.py); the contract in API.md allows more fields than
// these, and the web app reads only these.

// ---- The envelope ----

/**
 * Every answer that went well: `{"result": true, ...payload}`.
 * @typedef {{ result: true }} Ok
 */

/**
 * Every error, whatever the status: `{"result": false, "error_type": "NotFound",
 * "error_message": "Tweet 42 does not exist"}`. `error_type` is a short stable word,
 * `error_message` a sentence for a person.
 * @typedef {{ result: false, error_type: string, error_message: string }} ErrorBody
 */

/**
 * An answer's body before it is checked: what it may hold of the envelope (it may
 * be anything a server or a proxy in between sent), or null when it was not JSON.
 * @typedef {{ result?: unknown, error_type?: string, error_message?: unknown } | null} Envelope
 */

// ---- People ----

/**
 * A person as lists name them (authors, followers, following). `handle` is unique
 * (`@alee`); a tweet made here before the answer came has it too (the author is you).
 * @typedef {object} UserRef
 * @property {number} id
 * @property {string} name
 * @property {string} [handle]
 * @property {boolean} [active] a tweet's author only: false for a former member (deactivated)
 */

/**
 * A person mentioned in a tweet (`@handle` in its text), in order of first appearance.
 * @typedef {object} Mention
 * @property {number} id
 * @property {string} handle
 * @property {string} name
 */

/**
 * Someone who liked a tweet.
 * @typedef {object} Liker
 * @property {number} user_id
 * @property {string} name
 * @property {string} [handle]
 */

/**
 * A person in the directory (`GET /api/users`), with their counts.
 * @typedef {UserRef & { followers_count: number, following_count: number }} UserSummary
 */

/**
 * A person's profile (`GET /api/users/me`, `GET /api/users/{id}`). The web app asks
 * for a profile with `people_limit=0` (counts, empty lists) except for the signed-in
 * person's own, whose `following` says whom they follow.
 * @typedef {object} Profile
 * @property {number} id
 * @property {string} name
 * @property {UserRef[]} followers by name
 * @property {UserRef[]} following by name
 * @property {number} followers_count
 * @property {number} following_count
 * @property {number} tweets_count
 * @property {string} [handle]
 * @property {boolean} [active] false: deactivated by an administrator
 * @property {boolean} [is_admin] only in one's own profile (and to administrators)
 * @property {string | null} [email] likewise
 */

/** @typedef {"followers" | "following"} Relation */

// ---- Tweets ----

/**
 * A tweet, the same in the feed and in a person's tweets.
 * @typedef {object} Tweet
 * @property {number} id
 * @property {string} content
 * @property {string[]} attachments picture URLs for `<img src>`
 * @property {UserRef} author
 * @property {Liker[]} likes its first likers only (`likers_per_tweet`); all of them come from `GET /api/tweets/{id}/likes`
 * @property {number} likes_count
 * @property {string} created_at ISO 8601
 * @property {string | null} [edited_at] ISO 8601, when its text was last edited; null if never
 * @property {number | null} [reply_to] the tweet it answers; null for a conversation's start
 * @property {number} [conversation_id] the id of the post that started the conversation
 * @property {number} [replies_count]
 * @property {Mention[]} [mentions]
 * @property {boolean} [reply_to_deleted] it answered a post that has been deleted since
 * @property {string[]} [hashtags] its `#tags`, lower case, in order of first appearance
 * @property {string[]} [highlights] in a search's results only: the words of `content`
 *   that matched, as written there (each whole-word occurrence, in any letter case, is
 *   one of them)
 */

/**
 * A hashtag much used lately (`GET /api/hashtags/trending`): in how many posts, by how
 * many people.
 * @typedef {object} TrendingTag
 * @property {string} tag lower case, without "#"
 * @property {number} posts
 * @property {number} people
 */

// ---- Notifications ----

/** @typedef {"reply" | "mention" | "like" | "follow"} NotificationType */

/**
 * Something someone did to you: replied to or liked your post, mentioned or followed you.
 * @typedef {object} Notification
 * @property {number} id
 * @property {NotificationType} type
 * @property {UserRef} actor
 * @property {number | null} tweet_id the reply, the mentioning post, or your liked post
 * @property {string} created_at
 * @property {boolean} read
 */

/**
 * A live update from `GET /api/events`: `notification` (a Notification), `unread_count`
 * ({unread_count}), `feed` ({tweet_id, author}) or, for the conversation the stream
 * watches, `reply` ({tweet_id, reply_to, conversation_id}); `id` is the stream's last
 * event id.
 * @typedef {{ type: string, data: any, id: string | null }} LiveEvent
 */

// ---- Answers, endpoint by endpoint ----

/**
 * `GET /api/limits`: what input the server accepts.
 * @typedef {object} Limits
 * @property {true} result
 * @property {number} max_tweet_length characters, after trimming
 * @property {number} max_media_per_tweet
 * @property {number} max_upload_bytes
 * @property {string[]} picture_types accepted upload types
 * @property {number} likers_per_tweet likers listed with each tweet of a page (0: all)
 */

/** `GET /api/users/me`, `GET /api/users/{id}`. @typedef {Ok & { user: Profile }} ProfileAnswer */
/** `GET /api/users/{id}/followers`, `…/following`. @typedef {Ok & { users: UserRef[] }} PeopleList */
/** `GET /api/users?q=`. @typedef {Ok & { users: UserSummary[] }} UserList */
/**
 * `GET /api/tweets`, `GET /api/users/{id}/tweets`, `GET /api/search/tweets`,
 * `GET /api/hashtags/{tag}/tweets`. @typedef {Ok & { tweets: Tweet[] }} TweetList
 */
/** `GET /api/hashtags/trending`. @typedef {Ok & { hashtags: TrendingTag[] }} TrendingList */
/** `GET /api/tweets/{id}/likes`. @typedef {Ok & { likes: Liker[] }} LikerList */
/** `POST /api/tweets`. @typedef {Ok & { tweet_id: number }} TweetCreated */
/** `GET /api/tweets/{id}`. @typedef {Ok & { tweet: Tweet }} TweetAnswer */
/**
 * An earlier text of an edited tweet: written at `edited_at`, replaced at `replaced_at`.
 * @typedef {{ content: string, edited_at: string, replaced_at: string }} TweetVersion
 */

/** `GET /api/tweets/{id}/history`, newest first. @typedef {Ok & { versions: TweetVersion[] }} TweetHistory */

/** `GET /api/tweets/{id}/thread`. @typedef {Ok & { ancestors: Tweet[], tweet: Tweet, replies: Tweet[] }} ThreadAnswer */
/** `GET /api/notifications`. @typedef {Ok & { notifications: Notification[], unread_count: number }} NotificationList */
/** `GET /api/notifications/unread_count`. @typedef {Ok & { unread_count: number }} UnreadCount */
/** `POST /api/medias`. @typedef {Ok & { media_id: number, url: string }} MediaCreated */
/**
 * `GET /auth/oidc`: whether signing in with the company account is offered, and
 * whether this browser is signed in by its session cookie.
 * @typedef {Ok & { enabled: boolean, signed_in: boolean, provider_name: string }} OidcInfo
 */
/**
 * A browser signed in with the company account.
 * @typedef {object} WebSession
 * @property {number} id
 * @property {string} created_at
 * @property {string} last_seen_at
 * @property {string} expires_at
 * @property {string} user_agent
 * @property {boolean} current the session this browser signed in with
 */
/** `GET /api/sessions`. @typedef {Ok & { sessions: WebSession[] }} SessionList */
/** `DELETE /api/sessions`, `…/{id}`. @typedef {Ok & { ended: number }} SessionsEnded */

// ---- Administration, reports and announcements (admin-api.js) ----

/**
 * A person as administrators see them (`GET /api/admin/users`, `PATCH /api/users/{id}`).
 * @typedef {object} AdminUser
 * @property {number} id
 * @property {string} name
 * @property {string} handle
 * @property {string | null} email
 * @property {boolean} is_admin
 * @property {boolean} active
 * @property {string} [created_at]
 */

/**
 * A new person or a new key (`POST /api/users`, `POST /api/users/{id}/api-key`): the
 * key is in this answer only, never again.
 * @typedef {{ id: number, name: string, handle: string, is_admin: boolean, email: string | null, api_key: string }} PersonWithKey
 */

/**
 * A report of a post; `tweet` is null once the post is deleted.
 * @typedef {object} Report
 * @property {number} id
 * @property {string} reason
 * @property {string} created_at
 * @property {UserRef} reporter
 * @property {Tweet | null} tweet
 * @property {string | null} resolved_at
 * @property {UserRef | null} resolved_by
 * @property {string | null} resolution
 */

/**
 * An entry of the audit log: who (null: no person, the service itself) did what to
 * which target, and each changed field's [before, after].
 * @typedef {object} AuditEntry
 * @property {number} id
 * @property {string} at
 * @property {UserRef | null} actor
 * @property {string} action
 * @property {string} target_type
 * @property {number | null} target_id
 * @property {Record<string, [unknown, unknown]>} changes
 */

/**
 * An announcement as everyone gets it (`GET /api/announcements`, the live event).
 * @typedef {object} Announcement
 * @property {number} id
 * @property {string} text
 * @property {string} created_at
 * @property {string | null} ends_at
 */

/**
 * An announcement as administrators list them.
 * @typedef {Announcement & { author: UserRef | null, dismissed_count: number, active: boolean }} AdminAnnouncement
 */

/** `GET /api/admin/users`. @typedef {Ok & { users: AdminUser[] }} AdminUserList */
/** `PATCH /api/users/{id}`. @typedef {Ok & { user: AdminUser }} AdminUserAnswer */
/** `POST /api/users`, `POST /api/users/{id}/api-key`. @typedef {Ok & { user: PersonWithKey }} PersonWithKeyAnswer */
/** `POST /api/tweets/{id}/report`. @typedef {Ok & { report_id: number }} ReportCreated */
/** `GET /api/admin/reports`. @typedef {Ok & { reports: Report[], open_count: number }} ReportList */
/** `GET /api/admin/audit`. @typedef {Ok & { entries: AuditEntry[] }} AuditList */
/** `GET /api/announcements`. @typedef {Ok & { announcements: Announcement[] }} AnnouncementList */
/** `GET /api/admin/announcements`. @typedef {Ok & { announcements: AdminAnnouncement[] }} AdminAnnouncementList */
/** `POST /api/announcements`. @typedef {Ok & { announcement: Announcement }} AnnouncementCreated */

// ---- The view contract ----

/**
 * What the router keeps in a history entry for the view drawn there, so that Back,
 * Forward and a reload bring it back as it was: where the page was scrolled and how
 * many items its list had loaded.
 * @typedef {object} ViewState
 * @property {number} scrollY
 * @property {number} loaded
 */

/**
 * The groups the route's pattern captured from the path, in order (as
 * String.prototype.match gives them: an optional group that matched nothing is
 * undefined, and a view gives it a default).
 * @typedef {string[]} RouteParams
 */

/**
 * A view draws one page of the app into the main area. Every view, routed or not
 * (the sign-in page, the not-found page), is called the same way: with the element
 * to draw into (empty), the route's params, the address's query and, when the
 * person comes back to a history entry, the state saved when they left it (else
 * null). A view ignores what it does not need. Anything it starts outlives the call
 * (lists load on), so it answers with what the frame needs from it afterwards.
 * @callback View
 * @param {HTMLElement} container
 * @param {RouteParams} params
 * @param {URLSearchParams} query
 * @param {ViewState | null} restore
 * @returns {ViewHandle}
 */

/**
 * What a view answers, every part optional: `title` names the page (the tab's title);
 * `leave()` stops what it started (loading, uploads) when another view takes its
 * place; `loaded()` tells how many items its list has, for the history entry's
 * ViewState; `keep()` gives what it must keep when drawn again in place (in another
 * language): only the sign-in page, which has no history entry, needs it.
 * @typedef {object} ViewHandle
 * @property {string} [title]
 * @property {() => void} [leave]
 * @property {() => number} [loaded]
 * @property {() => SignInKept} [keep]
 */

/**
 * A sentence in the language of the moment: the function is called each time the
 * sentence is shown, so a page drawn again in another language says it in that one.
 * @callback Sentence
 * @returns {string}
 */

/**
 * What the sign-in page keeps when drawn again: the key typed so far and the problem shown.
 * @typedef {object} SignInKept
 * @property {string} key
 * @property {Sentence | null} problem
 */

export {};
