// Outgoing mail: SMTP (nodemailer) when SMTP_URL is set. Without it:
//  * development / test: a mailer that logs the message, its links included, so a developer can
//    click through verification and resets;
//  * production: nothing is delivered and no body is ever logged (its links carry live tokens).
//    The server still starts, with one warning at boot; each mail is logged once by the outbox as
//    a fact (id, to, subject) and stays undelivered in mail_outbox (retried with backoff, so
//    setting SMTP_URL and restarting while its link is valid still delivers it) until it expires.
import nodemailer from "nodemailer";
import { env as processEnv, type Env } from "../../env";
import type { Logger } from "../logger";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** False when this mailer delivers nothing (production without SMTP_URL): send() throws MailNotConfiguredError. */
  readonly delivers: boolean;
  send(message: MailMessage): Promise<void>;
}

/** What a non-delivering mailer throws: the mail stays in the outbox, undelivered. */
export class MailNotConfiguredError extends Error {
  constructor() {
    super("SMTP_URL unset: mail not delivered");
    this.name = "MailNotConfiguredError";
  }
}

export function createMailer(
  config: { smtpUrl?: string; from: string; /** Default: the process's NODE_ENV. */ nodeEnv?: Env["NODE_ENV"] },
  log: Logger,
): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      delivers: true,
      async send(message) {
        await transport.sendMail({ from: config.from, to: message.to, subject: message.subject, text: message.text });
      },
    };
  }
  if ((config.nodeEnv ?? processEnv.NODE_ENV) === "production") {
    log.warn("SMTP_URL unset: mails are not delivered (they stay undelivered in mail_outbox; bodies are never logged)");
    return {
      delivers: false,
      async send() {
        throw new MailNotConfiguredError();
      },
    };
  }
  return {
    delivers: true,
    async send(message) {
      log.info({ mailTo: message.to, subject: message.subject, body: message.text }, "mail (SMTP_URL unset: logged, not sent)");
    },
  };
}
