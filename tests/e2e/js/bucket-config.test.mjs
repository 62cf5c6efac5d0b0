// Website and CORS configuration calls through @aws-sdk/client-s3 v3 (issue 9): round trips,
// the "no configuration" errors, and S3's validation errors, as the JS SDK surfaces them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { s3, s3sdk, newBucketName, emptyAndDelete } from './helpers.mjs';

const {
  CreateBucketCommand, PutBucketWebsiteCommand, GetBucketWebsiteCommand, DeleteBucketWebsiteCommand,
  PutBucketCorsCommand, GetBucketCorsCommand, DeleteBucketCorsCommand,
} = s3sdk;
const bucket = newBucketName('cfg');

before(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

after(async () => {
  await emptyAndDelete(s3, bucket);
});

async function failure(command) {
  try {
    await s3.send(command);
  } catch (err) {
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail(`${command.constructor.name} succeeded`);
}

test('website configuration: round trip, validation and NoSuchWebsiteConfiguration', async () => {
  assert.equal((await failure(new GetBucketWebsiteCommand({ Bucket: bucket }))).name, 'NoSuchWebsiteConfiguration');
  const config = {
    IndexDocument: { Suffix: 'index.html' },
    ErrorDocument: { Key: 'error.html' },
    RoutingRules: [{ Condition: { HttpErrorCodeReturnedEquals: '404' }, Redirect: { ReplaceKeyWith: 'error.html', HttpRedirectCode: '302' } }],
  };
  await s3.send(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: config }));
  const got = await s3.send(new GetBucketWebsiteCommand({ Bucket: bucket }));
  assert.deepEqual(got.IndexDocument, config.IndexDocument);
  assert.deepEqual(got.ErrorDocument, config.ErrorDocument);
  assert.deepEqual(got.RoutingRules, config.RoutingRules);
  const refused = await failure(new PutBucketWebsiteCommand({ Bucket: bucket, WebsiteConfiguration: { ErrorDocument: { Key: 'e.html' } } }));
  assert.deepEqual([refused.name, refused.status], ['InvalidArgument', 400]);
  assert.deepEqual((await s3.send(new GetBucketWebsiteCommand({ Bucket: bucket }))).IndexDocument, config.IndexDocument, 'a refused put changes nothing');
  await s3.send(new DeleteBucketWebsiteCommand({ Bucket: bucket }));
  assert.equal((await failure(new GetBucketWebsiteCommand({ Bucket: bucket }))).name, 'NoSuchWebsiteConfiguration');
});

test('CORS configuration: round trip, validation and NoSuchCORSConfiguration', async () => {
  assert.equal((await failure(new GetBucketCorsCommand({ Bucket: bucket }))).name, 'NoSuchCORSConfiguration');
  const rules = [{ ID: 'app', AllowedOrigins: ['https://*.example.test'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 300 }];
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: rules } }));
  assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules, rules);
  const badMethod = await failure(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['*'], AllowedMethods: ['PATCH'] }] } }));
  assert.deepEqual([badMethod.name, badMethod.status], ['InvalidRequest', 400]);
  const twoWildcards = await failure(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://*.*.test'], AllowedMethods: ['GET'] }] } }));
  assert.deepEqual([twoWildcards.name, twoWildcards.status], ['InvalidRequest', 400]);
  assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules, rules, 'a refused put changes nothing');
  await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
  assert.equal((await failure(new GetBucketCorsCommand({ Bucket: bucket }))).name, 'NoSuchCORSConfiguration');
});
