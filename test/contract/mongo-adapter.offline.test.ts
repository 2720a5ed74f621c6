import mongoose from 'mongoose';
import { CONTACT_INDEX, contactSchema } from '../../src/models/contact.model';
import { activityKey, activitySchema } from '../../src/models/activity.model';
import { pageViewSchema } from '../../src/models/page-view.model';
import { createMongoRepositories, isTransientMongoError } from '../../src/repositories/mongo';
import { toContactDuplicateError } from '../../src/repositories/mongo/mongo-errors';

/**
 * The parts of the MongoDB adapter that need no mongod: error classification, duplicate-key
 * mapping, the activity key and the declared indexes. Behaviour against a server is the contract
 * suite's job (mongo.contract.test.ts).
 */
describe('MongoDB adapter (no server needed)', () => {
  const { MongoServerError, MongoNetworkError, MongoServerSelectionError, MongoNetworkTimeoutError } = mongoose.mongo;

  it('classifies transient errors for the worker’s retry decision', () => {
    expect(isTransientMongoError(new MongoNetworkError('socket closed'))).toBe(true);
    expect(isTransientMongoError(new MongoNetworkTimeoutError('timed out'))).toBe(true);
    expect(isTransientMongoError(new MongoServerSelectionError('no primary', { type: 'Unknown' } as never))).toBe(true);
    for (const code of [10107, 13435, 11600, 11602, 189, 91, 50, 262]) {
      expect(isTransientMongoError(new MongoServerError({ code, errmsg: 'x' }))).toBe(true);
    }
    expect(isTransientMongoError(new MongoServerError({ code: 2, errmsg: 'x', errorLabels: ['RetryableWriteError'] }))).toBe(true);
    expect(isTransientMongoError(new MongoServerError({ code: 2, errmsg: 'x', errorLabels: ['TransientTransactionError'] }))).toBe(true);
    expect(isTransientMongoError(new Error('wrapped', { cause: new MongoNetworkError('reset') }))).toBe(true);

    expect(isTransientMongoError(new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key' }))).toBe(false);
    expect(isTransientMongoError(new MongoServerError({ code: 2, errmsg: 'bad value' }))).toBe(false);
    expect(isTransientMongoError(new mongoose.Error.CastError('String', {}, 'email'))).toBe(false);
    expect(isTransientMongoError(new TypeError('email must be a string'))).toBe(false);
    expect(isTransientMongoError(null)).toBe(false);
    expect(isTransientMongoError('boom')).toBe(false);
  });

  it('maps E11000 on contacts to the identifier by keyPattern, with the index name as fallback', () => {
    const dup = (extra: Record<string, unknown>) => new MongoServerError({ code: 11000, errmsg: 'E11000 duplicate key error', ...extra });
    expect(toContactDuplicateError(dup({ keyPattern: { account: 1, email: 1 } })).identifier).toBe('email');
    expect(toContactDuplicateError(dup({ keyPattern: { account: 1, phoneOnly: 1 } })).identifier).toBe('phone');
    expect(toContactDuplicateError(dup({ keyPattern: { _id: 1 } })).identifier).toBe('id');
    expect(
      toContactDuplicateError(dup({ errmsg: 'E11000 duplicate key error collection: x.contacts index: contacts_account_email_unique dup key' }))
        .identifier,
    ).toBe('email');
  });

  it('activity keys are unambiguous per (account, id)', () => {
    expect(activityKey('a:b', 'c')).not.toBe(activityKey('a', 'b:c'));
    expect(activityKey('acme', 'evt_1')).toBe('acme:evt_1');
  });

  it('declares the indexes that carry the uniqueness invariants', () => {
    const unique = contactSchema
      .indexes()
      .filter(([, o]) => o.unique)
      .map(([keys, o]) => [keys, o.partialFilterExpression]);
    expect(unique).toEqual([
      [{ account: 1, email: 1 }, { email: { $type: 'string' } }],
      [{ account: 1, phoneOnly: 1 }, { phoneOnly: { $type: 'string' } }],
    ]);
    expect(contactSchema.get('autoIndex')).toBe(false);
    expect(activitySchema.indexes().map(([keys]) => keys)).toEqual([
      { account: 1, contactId: 1, occurredAt: -1, _id: -1 },
      { account: 1, outcome: 1 },
    ]);
    expect(pageViewSchema.indexes().map(([keys]) => keys)).toEqual([{ account: 1, visitorId: 1, contactId: 1, viewedAt: -1 }]);
    expect(contactSchema.indexes().map(([keys]) => keys)).toContainEqual({ account: 1, visitorIds: 1, lastActivityAt: -1 });
  });

  it('declares the index that serves findByPhone’s whole sort: the email-less holder first, then by recency', () => {
    const byName = new Map(contactSchema.indexes().map(([keys, o]) => [o.name, keys]));
    expect(byName.get(CONTACT_INDEX.accountPhonePhoneOnlyRecent)).toEqual({ account: 1, phone: 1, phoneOnly: -1, lastActivityAt: -1, _id: 1 });
    expect([...byName.keys()].filter((n) => n?.startsWith('contacts_account_phone_'))).toEqual([CONTACT_INDEX.accountPhonePhoneOnlyRecent]);
  });

  it('fails fast with a transient error when no server answers', async () => {
    const err = await createMongoRepositories('mongodb://127.0.0.1:9/contactflow', { serverSelectionTimeoutMS: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isTransientMongoError(err)).toBe(true);
  });
});
