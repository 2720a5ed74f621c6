import express, { Router, type RequestHandler } from 'express';
import type { AdminAccountsService } from '../../services/admin-accounts.service';
import { ACCOUNT_ID } from '../../services/admin-accounts.service';
import type { ApiKeysService } from '../../services/api-keys.service';
import type { WebhookSecretsAdmin } from '../../services/webhook-secrets.service';
import { AppError } from '../../shared/errors';
import {
  adminAccountCreateSchema,
  adminAccountListQuerySchema,
  adminAccountPatchSchema,
  apiKeyCreateSchema,
  webhookSecretPutSchema,
} from '../api-schemas';
import { parseRequest, pathParam, rejectQuery } from '../request-validation';
import { requireJson } from '../require-json';

export interface AccountsAdminDeps {
  accounts: AdminAccountsService;
  apiKeys: ApiKeysService;
  webhookSecrets: WebhookSecretsAdmin;
}

const json = express.json({ limit: '16kb', strict: true });
const accountIdOf = (params: Record<string, unknown>) => pathParam(params, 'id', ACCOUNT_ID, 'an account id');
const KEY_ID = /^key_[0-9a-f]{24}$/;
const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * A body is optional here (empty = generate a secret); when there is one it must be JSON. Without
 * this, a body sent as text/plain would silently count as "generate".
 */
const optionalJson: RequestHandler = (req, res, next) => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return next();
  if (!req.is('application/json')) throw new AppError('unsupported_media_type', 'Send the body as Content-Type: application/json (or send none)', 415);
  json(req, res, next);
};

/**
 * /admin/accounts…: tenants, their API keys and their webhook signing secrets. Mounted behind
 * requireAdmin (HTTP Basic); an API key is no credential here. Bodies are parsed per route, after
 * the credential check.
 */
export function accountsAdminRoutes(deps: AccountsAdminDeps): Router {
  const router = Router();

  router.post('/accounts', requireJson, json, async (req, res) => {
    rejectQuery(req.query);
    const created = await deps.accounts.create(parseRequest(adminAccountCreateSchema, req.body, 'account'));
    req.log.info({ account: created.id }, 'operator created an account');
    res.status(201).location(`/admin/accounts/${created.id}`).json(created);
  });

  router.get('/accounts', async (req, res) => {
    res.json(await deps.accounts.list(parseRequest(adminAccountListQuerySchema, req.query, 'query')));
  });

  router.get('/accounts/:id', async (req, res) => {
    rejectQuery(req.query);
    res.json(await deps.accounts.get(accountIdOf(req.params)));
  });

  router.patch('/accounts/:id', requireJson, json, async (req, res) => {
    rejectQuery(req.query);
    const id = accountIdOf(req.params);
    res.json(await deps.accounts.update(id, parseRequest(adminAccountPatchSchema, req.body, 'account change')));
  });

  router.post('/accounts/:id/api-keys', requireJson, json, async (req, res) => {
    rejectQuery(req.query);
    const id = accountIdOf(req.params);
    const body = parseRequest(apiKeyCreateSchema, req.body, 'API key');
    const created = await deps.apiKeys.create(id, { label: body.label, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined });
    req.log.info({ account: id, keyId: created.id }, 'operator created an API key');
    res.status(201).location(`/admin/accounts/${id}/api-keys/${created.id}`).setHeader('Cache-Control', 'no-store').json(created);
  });

  router.get('/accounts/:id/api-keys', async (req, res) => {
    rejectQuery(req.query);
    res.json(await deps.apiKeys.list(accountIdOf(req.params)));
  });

  router.delete('/accounts/:id/api-keys/:keyId', async (req, res) => {
    rejectQuery(req.query);
    const id = accountIdOf(req.params);
    const keyId = pathParam(req.params, 'keyId', KEY_ID, 'key_ followed by 24 hex digits');
    await deps.apiKeys.revoke(id, keyId);
    req.log.info({ account: id, keyId }, 'operator revoked an API key');
    res.status(204).end();
  });

  router.get('/accounts/:id/webhook-secrets', async (req, res) => {
    rejectQuery(req.query);
    res.json(await deps.webhookSecrets.list(accountIdOf(req.params)));
  });

  router.put('/accounts/:id/webhook-secrets/:provider', optionalJson, async (req, res) => {
    rejectQuery(req.query);
    const id = accountIdOf(req.params);
    const provider = pathParam(req.params, 'provider', PROVIDER, 'a provider name');
    const body = parseRequest(webhookSecretPutSchema, req.body ?? {}, 'webhook secret');
    const set = await deps.webhookSecrets.set(id, provider, body);
    req.log.info({ account: id, provider, previousExpiresAt: set.previousExpiresAt }, 'operator set a webhook secret');
    res.setHeader('Cache-Control', 'no-store').json(set);
  });

  return router;
}
