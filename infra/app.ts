/** The CDK app: `npx cdk synth`, `npm run deploy`. Stage from context `-c stage=…` (default `dev`). */
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { WinnowStack } from './stack.js';

const app = new App();
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? 'dev';
const destroy = app.node.tryGetContext('destroyOnRemoval') === 'true';
new WinnowStack(app, `Winnow-${stage}`, {
  stage,
  removalPolicy: destroy ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
