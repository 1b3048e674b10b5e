// Names for the API's shapes, all taken from the generated schema (schema.d.ts): never typed by hand.
import type { components } from './schema'

type Schemas = components['schemas']

export type Auction = Schemas['Auction']
export type AuctionDetail = Schemas['AuctionDetail']
export type AuctionStatus = Schemas['AuctionStatusEnum']
export type ScheduleStep = Schemas['ScheduleStep']
export type Studio = Schemas['Studio']
export type Me = Schemas['Me']
export type Reservation = Schemas['Reservation']
export type Notification = Schemas['Notification']
export type TokenPair = Schemas['TokenPair']
export type RegisterRequest = Schemas['RegisterRequest']
export type ErrorBody = Schemas['Error']
export type Gender = Schemas['GenderEnum']

export interface Page<T> {
  count: number
  next?: string | null
  previous?: string | null
  results: T[]
}

/** The notification list adds `unread_count` to the page (README: "the list adds unread_count"). */
export type NotificationPage = Page<Notification> & { unread_count?: number }

// Fields DESIGN section 4 promises that the schema does not carry yet (issues in progress).
// Optional here, so the app shows them when the API sends them and hides them otherwise.
export interface PendingAuctionFields {
  seats?: number
  seats_left?: number
  cancellable_until?: string
}
export interface PendingReservationFields {
  seat_no?: number
  cancellable_until?: string
}
export type LiveAuction = (Auction | AuctionDetail) & PendingAuctionFields
export type MyReservation = Reservation & PendingReservationFields

/** DESIGN section 3's watch. Taken from the schema as soon as the watches API is in it. */
interface WatchContract {
  id: number
  auction_id: number
  alert_price: string
  auto_grab: boolean
  status: 'ACTIVE' | 'FIRED' | 'ENDED'
  fired_at: string | null
  reservation_id: number | null
}
export type Watch = Schemas extends { Watch: infer W } ? W : WatchContract
