import { activityEnvelopeSchema } from '../../../src/jobs/activity-envelope.schema';
import { chatbotMapper } from '../../../src/services/mappers/chatbot.mapper';
import { PermanentJobError } from '../../../src/shared/errors';
import { fixture } from '../../support/webhook-fixtures';

describe('chatbot mapper', () => {
  it('maps a completed conversation: typed answers by attribute, visitor id and country hint', () => {
    const mapped = chatbotMapper.map(fixture('chatbot.conversation-completed'));
    expect(mapped).toEqual({
      type: 'chat.completed',
      occurredAt: '2026-03-04T14:00:00.000Z',
      source: 'chatbot',
      // What the visitor typed now beats the attribute the bot remembered from an earlier chat.
      email: 'Peter.Gibbons@Initech.example',
      phone: '020 7183 8750',
      country: 'GB',
      visitorId: 'vis_8f14e45fceea167a',
      externalId: '4821337719',
      fields: { company: 'Initech', company_size: '51-200', q_timeline: 'This quarter', wants_demo: true, playbook: 'Pricing page qualifier' },
    });
    expect(activityEnvelopeSchema.safeParse(mapped).success).toBe(true);
  });

  it('falls back to the contact attributes and to createdAt', () => {
    const p = fixture('chatbot.conversation-completed');
    p.data.answers = p.data.answers.filter((a: any) => a.attribute !== 'email');
    delete p.data.endedAt;
    p.data.visitor.country = 'Great Britain';
    const mapped = chatbotMapper.map(p);
    expect(mapped).toMatchObject({ email: 'old.address@initech.example', occurredAt: '2026-03-04T14:00:10.000Z', country: null });
  });

  it('event id is the delivery id', () => {
    expect(chatbotMapper.eventId(fixture('chatbot.conversation-completed'))).toBe('wh_01HQ7ZP4M2K8R6T9V3X5B7N1C4');
    expect(chatbotMapper.eventId({ id: '' })).toBeNull();
    expect(chatbotMapper.eventId(null)).toBeNull();
  });

  it('records another event under its own name (chatbot.<event>), and fails permanently on unknown shapes', () => {
    const started = fixture('chatbot.conversation-completed');
    started.type = 'conversation.started';
    expect(chatbotMapper.map(started)).toMatchObject({ type: 'chatbot.conversation.started', email: 'Peter.Gibbons@Initech.example' });
    const noAnswers = fixture('chatbot.conversation-completed');
    delete noAnswers.data.answers;
    expect(() => chatbotMapper.map(noAnswers)).toThrow(PermanentJobError);
    const isoTime = fixture('chatbot.conversation-completed');
    isoTime.createdAt = '2026-03-04T14:00:10Z';
    expect(() => chatbotMapper.map(isoTime)).toThrow(expect.objectContaining({ code: 'invalid_provider_payload' }));
  });
});
