import mongoose from 'mongoose';
import { CONTACT_INDEX, contactSchema } from '../../src/models/contact.model';
import { activityKey, activitySchema } from '../../src/models/activity.model';
import { createMongoRepositories, isTransientMongoError } from '../../src/repositories/mongo';
import { toContactDuplicateError } from '../../src/repositories/mongo/mongo-errors';

/**
 * The parts of the MongoDB adapter that need no mongod: error classification, duplicate-key
 * mapping, the activity key and the declared indexes. Behaviour against a server is the contract
 * suite's job (mongo.contract.test.ts).
 */
describe('MongoDB adapter (no server needed)', () => {
  const { MongoServerError, MongoNetworkError, MongoServerSelectionError, MongoNetworkTimeoutError, MongoOperationTimeoutError, MongoWriteConcernError } =
    mongoose.mongo;

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

  it('classifies every way a bounded operation ends as transient, so the worker pauses instead of spending attempts', () => {
    // The driver's client-side operation timeout error (its name is what survives duplicated driver copies).
    const csot = new MongoOperationTimeoutError('Timed out in server selection after 15000ms');
    expect(csot.name).toBe('MongoOperationTimeoutError');
    expect(isTransientMongoError(csot)).toBe(true);
    expect(isTransientMongoError(Object.assign(new Error('x'), { name: 'MongoOperationTimeoutError' }))).toBe(true);
    // socketTimeoutMS: a round trip with no reply.
    expect(isTransientMongoError(new MongoNetworkTimeoutError('connection 3 to 10.0.0.1:27017 timed out'))).toBe(true);
    // maxTimeMS: the server stopped the query.
    expect(isTransientMongoError(new MongoServerError({ code: 50, codeName: 'MaxTimeMSExpired', errmsg: 'operation exceeded time limit' }))).toBe(true);
    // wtimeoutMS: a majority write stopped waiting for replication.
    const wtimeout = new MongoWriteConcernError({ ok: 1, writeConcernError: { code: 64, errmsg: 'waiting for replication timed out', errInfo: { wtimeout: true } } });
    expect(isTransientMongoError(wtimeout)).toBe(true);
    // waitQueueTimeoutMS: no pooled connection came free.
    expect(isTransientMongoError(Object.assign(new Error('Timed out while checking out a connection from connection pool'), { name: 'MongoWaitQueueTimeoutError' }))).toBe(true);
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

  it('an activity document has details only when written with them (no default array), as key/value entries', () => {
    const Activity = mongoose.model('ActivityDetailsOffline', activitySchema);
    const base = { _id: 'acme:act_1', activityId: 'act_1', account: 'acme', occurredAt: new Date(0), outcome: 'processed' };
    expect(new Activity(base).toObject()).not.toHaveProperty('details');
    const withDetails = new Activity({ ...base, details: [{ key: 'Office size', value: '30-50' }, { key: 'a.b', value: 1 }] }).toObject();
    expect(withDetails.details).toEqual([{ key: 'Office size', value: '30-50' }, { key: 'a.b', value: 1 }]);
    mongoose.deleteModel('ActivityDetailsOffline');
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
  });

  it('declares the index that serves findByPhone’s whole sort: the email-less holder first, then by recency', () => {
    const byName = new Map(contactSchema.indexes().map(([keys, o]) => [o.name, keys]));
    expect(byName.get(CONTACT_INDEX.accountPhonePhoneOnlyRecent)).toEqual({ account: 1, phone: 1, phoneOnly: -1, lastActivityAt: -1, _id: 1 });
  });

  it('fails fast with a transient error when no server answers', async () => {
    const err = await createMongoRepositories('mongodb://127.0.0.1:9/contactflow', { serverSelectionTimeoutMS: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(isTransientMongoError(err)).toBe(true);
  });
});
