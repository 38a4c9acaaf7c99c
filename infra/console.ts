/**
 * The web console in AWS: its static files (console/dist) in a private bucket of their own, served by a
 * CloudFront distribution that also routes `/graphql` to the HTTP API. So the console and the API share
 * one HTTPS origin: the console calls `/graphql` wherever it is served, with no API URL to configure and
 * no cross-origin requests, and static files are answered from the edge cache without invoking the API
 * Lambda. The API's own authorization is untouched: every `/graphql` request still needs its key.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { buildConsole, CONSOLE_DIST, SOURCE_HASH_FILE } from '../console/build.js';
import { consoleSecurityHeaders } from './local/staticFiles.js';

// The console is built from source (not committed): build it before the asset is staged, so `cdk synth`
// works on a fresh clone however it is started (a no-op when console/dist is current).
await buildConsole();

export interface ConsoleSiteProps {
  /** The API the console talks to; `/graphql` of the distribution is forwarded to it. */
  readonly httpApi: HttpApi;
  readonly removalPolicy: RemovalPolicy;
}

export class ConsoleSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    // Only built files live here, redeployed with every stack update: nothing to retain.
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });

    // The headers the local server sends too (infra/local/staticFiles.ts); reports are framed, and sample
    // thumbnails shown, from the data bucket's presigned HTTPS URLs (no CORS needed: see there).
    const headers = consoleSecurityHeaders('https://*.amazonaws.com');
    const responseHeaders = new ResponseHeadersPolicy(this, 'Headers', {
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: headers['content-security-policy']!, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    // `https://<id>.execute-api.<region>.amazonaws.com` → its host name.
    const apiDomain = Fn.select(2, Fn.split('/', props.httpApi.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Winnow web console and API',
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: responseHeaders,
        compress: true,
      },
      additionalBehaviors: {
        // The API is never cached; every viewer header but Host goes to it (CloudFront forwards the
        // Authorization header of POST requests as it is).
        '/graphql': {
          origin: new HttpOrigin(apiDomain, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });

    // Every file revalidates (a 304 for unchanged ones), so a deployment shows at once without a
    // CloudFront invalidation, whose permission cannot be scoped to one distribution's resources.
    new BucketDeployment(this, 'Files', {
      sources: [Source.asset(CONSOLE_DIST, { exclude: [SOURCE_HASH_FILE] })],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.noCache()],
      memoryLimit: 256,
    });

    new CfnOutput(scope, 'ConsoleUrl', { value: `https://${this.distribution.distributionDomainName}/` });
  }
}
