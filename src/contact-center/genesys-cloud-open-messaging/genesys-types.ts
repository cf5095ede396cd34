/**
 * The Genesys Cloud JSON this adapter reads and writes, as far as it uses it (reference §2, §3, §7).
 * Incoming shapes are deliberately loose: every field is optional and checked where it is read.
 */

export type GenesysMediaType = 'Image' | 'Video' | 'Audio' | 'File';

export interface GenesysFromRecipient {
  id: string;
  idType: 'Opaque';
  nickname?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
}

/** `OpenInboundNormalizedMessage` (POST …/inbound/open/message). */
export interface InboundMessageBody {
  channel: {
    from: GenesysFromRecipient;
    messageId: string;
    time: string;
    metadata?: { customAttributes: Record<string, string> };
  };
  text?: string;
  content?: { attachment: { mediaType: GenesysMediaType; url: string; mime: string; filename?: string } }[];
}

/** `OpenInboundNormalizedEvent` (POST …/inbound/open/event). */
export interface InboundEventBody {
  channel: { from: GenesysFromRecipient; time: string };
  events: { eventType: 'Typing' }[];
}

/** `OpenInboundNormalizedReceipt` (POST …/inbound/open/receipt). */
export interface InboundReceiptBody {
  id: string;
  channel: { to: { id: string; idType: 'Opaque' }; time: string };
  status: 'Delivered' | 'Failed';
  direction: 'Outbound';
  isFinalReceipt: true;
  reasons?: { code: string; message: string }[];
}

/**
 * `OpenInboundStructuredResponseMessage` (POST …/inbound/open/structured/response): `channel`, `buttonResponse`
 * (`ContentButtonResponse`: `type`, `text` and `payload` required) and `originatingMessageId`, all required.
 */
export interface InboundStructuredResponseBody {
  channel: { from: GenesysFromRecipient; messageId: string; time: string };
  buttonResponse: { type: 'Button' | 'QuickReply' | 'DatePicker'; text: string; payload: string };
  originatingMessageId: string;
}

/** The outbound webhook message (Genesys → connector), §3.1. */
export interface OutboundWebhookMessage {
  id?: string;
  type?: string;
  direction?: string;
  originatingEntity?: string;
  conversationId?: string;
  text?: string;
  status?: string;
  isFinalReceipt?: boolean;
  reasons?: { code?: string; message?: string }[];
  content?: OutboundContent[];
  events?: { eventType?: string; typing?: { type?: string; duration?: number } }[];
  channel?: {
    id?: string;
    messageId?: string;
    time?: string;
    to?: { id?: string; idType?: string };
    from?: { id?: string; idType?: string; nickname?: string; nickName?: string };
  };
}

export interface OutboundContent {
  contentType?: string;
  attachment?: {
    id?: string;
    mediaType?: string;
    url?: string;
    mime?: string;
    filename?: string;
    contentSizeBytes?: number;
    text?: string;
  };
  quickReply?: { text?: string; payload?: string; action?: string };
  quickReplyV2?: { title?: string; actions?: { text?: string; payload?: string; action?: string }[] };
  text?: { body?: string; type?: string };
  listPicker?: {
    sections?: {
      title?: string;
      multipleSelection?: boolean;
      items?: { id?: string; title?: string; subtitle?: string; imageUrl?: string }[];
    }[];
    receivedMessage?: { title?: string; subtitle?: string };
  };
  location?: { url?: string; address?: string; text?: string; latitude?: number; longitude?: number };
  carousel?: { cards?: OutboundCard[] };
  card?: OutboundCard;
  datePicker?: { title?: string; subtitle?: string; availableTimes?: { dateTime?: string; duration?: number }[] };
  template?: {
    header?: { text?: string };
    body?: { text?: string; parameters?: { name?: string; text?: string }[] };
    footer?: { text?: string };
  };
}

export interface OutboundCard {
  title?: string;
  description?: string;
  image?: string;
  actions?: { type?: string; text?: string; payload?: string; url?: string }[];
}

/** A Notifications API message (WebSocket frame or Process Automation delivery). */
export interface NotificationMessage {
  topicName?: string;
  version?: string;
  eventBody?: Record<string, unknown>;
}

/** `GET /api/v2/conversations/messages/{conversationId}` (the parts used). */
export interface MessageConversation {
  id: string;
  participants?: {
    id: string;
    purpose?: string;
    state?: string;
    name?: string;
    userId?: string;
    user?: { id?: string };
    disconnectType?: string;
  }[];
}
