import type {
  AgentMessageEvent,
  AgentTypingEvent,
  Card,
  CardAction,
  DatePicker,
  EventAttachment,
  ListPicker,
  OtherContent,
  ProviderEvent,
  QuickReply,
  ReceiptEvent,
} from '../provider-events';
import type { OutboundCard, OutboundContent, OutboundWebhookMessage } from './genesys-types';

export interface NormalisedWebhook {
  events: ProviderEvent[];
  /** What was skipped and why, safe to log: types and content types only, never text. */
  skipped: string[];
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * Turns one Genesys outbound webhook message into internal events: `Text` and `Structured` → agent.message,
 * `Event` (Typing) → agent.typing, `Receipt` → receipt. Never throws: anything it does not understand is
 * reported in `skipped` and produces no event.
 */
export function normaliseOutboundMessage(payload: unknown): NormalisedWebhook {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    return { events: [], skipped: ['body is not a JSON object'] };
  }
  const message = payload as OutboundWebhookMessage;
  const id = str(message.id) ?? str(message.channel?.messageId);
  if (!id) return { events: [], skipped: [`${String(message.type)} message without an id`] };
  const base = {
    providerEventId: id,
    customerId: str(message.channel?.to?.id),
    conversationId: str(message.conversationId),
    time: str(message.channel?.time) ?? new Date().toISOString(),
  };
  switch (message.type) {
    case 'Text':
    case 'Structured':
      return agentMessage(message, base);
    case 'Event':
      return typingEvents(message, base);
    case 'Receipt':
      return { events: [receipt(message, base)], skipped: [] };
    default:
      return { events: [], skipped: [`unsupported message type '${String(message.type)}'`] };
  }
}

type Base = Pick<AgentMessageEvent, 'providerEventId' | 'customerId' | 'conversationId' | 'time'>;

function agentMessage(message: OutboundWebhookMessage, base: Base): NormalisedWebhook {
  const skipped: string[] = [];
  const texts: string[] = [];
  const attachments: EventAttachment[] = [];
  const quickReplies: QuickReply[] = [];
  const cards: Card[] = [];
  let datePicker: DatePicker | undefined;
  let listPicker: ListPicker | undefined;
  let location: AgentMessageEvent['location'];
  const otherContent: OtherContent[] = [];
  if (str(message.text)) texts.push(message.text!);

  for (const content of Array.isArray(message.content) ? message.content : []) {
    switch (content?.contentType) {
      case 'Attachment': {
        const a = attachment(content);
        if (a) attachments.push(a);
        else skipped.push('attachment without a url');
        break;
      }
      case 'QuickReply': {
        const text = str(content.quickReply?.text);
        if (text) quickReplies.push({ text, payload: str(content.quickReply?.payload) ?? text });
        break;
      }
      case 'QuickReplyV2': {
        const title = str(content.quickReplyV2?.title);
        if (title) texts.push(title);
        for (const action of content.quickReplyV2?.actions ?? []) {
          const text = str(action?.text);
          if (text) quickReplies.push({ text, payload: str(action.payload) ?? text });
        }
        break;
      }
      case 'Text': {
        const body = str(content.text?.body);
        if (body) texts.push(body);
        break;
      }
      case 'ListPicker':
        listPicker = listPickerOf(content);
        break;
      case 'Location': {
        const l = content.location;
        location = {
          url: str(l?.url),
          address: str(l?.address),
          text: str(l?.text),
          latitude: typeof l?.latitude === 'number' ? l.latitude : undefined,
          longitude: typeof l?.longitude === 'number' ? l.longitude : undefined,
        };
        break;
      }
      case 'Carousel':
        cards.push(...(content.carousel?.cards ?? []).map(card));
        break;
      case 'Card':
        if (content.card) cards.push(card(content.card));
        break;
      case 'DatePicker':
        datePicker = {
          title: str(content.datePicker?.title),
          subtitle: str(content.datePicker?.subtitle),
          availableTimes: (content.datePicker?.availableTimes ?? [])
            .filter((t) => str(t?.dateTime))
            .map((t) => ({ dateTime: t.dateTime!, durationSeconds: typeof t.duration === 'number' ? t.duration : undefined })),
        };
        break;
      case 'Notification': {
        const text = notificationText(content);
        if (text) texts.push(text);
        break;
      }
      default:
        // Forms, payments, interactive applications, stories, reactions and types added later: passed on unchanged.
        if (typeof content?.contentType === 'string' && content.contentType) otherContent.push(content as OtherContent);
        else skipped.push('content element without a contentType');
    }
  }

  const text = texts.length > 0 ? texts.join('\n') : undefined;
  const rich = quickReplies.length > 0 || cards.length > 0 || datePicker || listPicker || location || otherContent.length > 0;
  if (!text && attachments.length === 0 && !rich) {
    return { events: [], skipped: [...skipped, `${String(message.type)} message with nothing to relay`] };
  }
  const entity = message.originatingEntity;
  const event: AgentMessageEvent = {
    kind: 'agent.message',
    ...base,
    text,
    attachments,
    quickReplies,
    cards,
    datePicker,
    ...(listPicker ? { listPicker } : {}),
    ...(location ? { location } : {}),
    ...(otherContent.length > 0 ? { otherContent } : {}),
    originatingEntity: entity === 'Human' || entity === 'Bot' ? entity : undefined,
  };
  return { events: [event], skipped };
}

function listPickerOf(content: OutboundContent): ListPicker {
  const picker = content.listPicker;
  return {
    title: str(picker?.receivedMessage?.title),
    subtitle: str(picker?.receivedMessage?.subtitle),
    sections: (picker?.sections ?? []).map((section) => ({
      title: str(section?.title),
      multipleSelection: typeof section?.multipleSelection === 'boolean' ? section.multipleSelection : undefined,
      items: (section?.items ?? []).map((item) => ({
        id: str(item?.id),
        title: str(item?.title),
        subtitle: str(item?.subtitle),
        imageUrl: str(item?.imageUrl),
      })),
    })),
  };
}

function attachment(content: OutboundContent): EventAttachment | undefined {
  const a = content.attachment;
  const url = str(a?.url);
  if (!url) return undefined;
  return {
    url,
    mime: str(a?.mime),
    filename: str(a?.filename),
    mediaType: str(a?.mediaType),
    sizeBytes: typeof a?.contentSizeBytes === 'number' ? a.contentSizeBytes : undefined,
  };
}

function card(source: OutboundCard): Card {
  const actions: CardAction[] = [];
  for (const action of source.actions ?? []) {
    const text = str(action?.text) ?? '';
    if (action?.type === 'Link' && str(action.url)) actions.push({ type: 'link', text, url: action.url });
    else if (action?.type === 'Postback') actions.push({ type: 'postback', text, payload: str(action.payload) ?? text });
  }
  return { title: str(source.title) ?? '', description: str(source.description), imageUrl: str(source.image), actions };
}

/** A Notification template as plain text: header, body (placeholders filled), footer, one per line. */
function notificationText(content: OutboundContent): string | undefined {
  const template = content.template;
  let body = str(template?.body?.text);
  const parameters = template?.body?.parameters ?? [];
  if (body) {
    parameters.forEach((p, index) => {
      const value = p?.text ?? '';
      body = body!.split(`{{${index + 1}}}`).join(value);
      if (p?.name) body = body!.split(`{{${p.name}}}`).join(value);
    });
  } else if (parameters.length > 0) {
    body = parameters.map((p) => p?.text ?? '').join(' ');
  }
  const lines = [str(template?.header?.text), body, str(template?.footer?.text)].filter((l): l is string => !!l);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

function typingEvents(message: OutboundWebhookMessage, base: Base): NormalisedWebhook {
  const events: AgentTypingEvent[] = [];
  const skipped: string[] = [];
  const list = Array.isArray(message.events) ? message.events : [];
  list.forEach((e, index) => {
    if (e?.eventType !== 'Typing') {
      skipped.push(`unsupported event type '${String(e?.eventType)}'`);
      return;
    }
    if (e.typing?.type === 'Off') return;
    events.push({
      kind: 'agent.typing',
      ...base,
      providerEventId: list.length > 1 ? `${base.providerEventId}:${index}` : base.providerEventId,
      durationMs: typeof e.typing?.duration === 'number' ? e.typing.duration : undefined,
    });
  });
  if (list.length === 0) skipped.push('Event message without events');
  return { events, skipped };
}

function receipt(message: OutboundWebhookMessage, base: Base): ReceiptEvent {
  const status = str(message.status) ?? 'Unknown';
  return {
    kind: 'receipt',
    ...base,
    // One message gets several receipts (Sent, Delivered, Read…); each status is its own event.
    providerEventId: `${base.providerEventId}:${status}`,
    ...(message.direction === 'Inbound' || message.direction === 'Outbound' ? { direction: message.direction } : {}),
    status,
    reasons: (Array.isArray(message.reasons) ? message.reasons : [])
      .filter((r) => str(r?.code))
      .map((r) => ({ code: r.code!, message: str(r.message) })),
  };
}
