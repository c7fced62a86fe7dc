package io.dsync.messaging;

import java.util.concurrent.CompletionStage;

/**
 * Answers the requests of one topic. Runs on a network thread: it must not block (hand slow work to an executor and
 * answer with its stage). A stage that fails with {@link RemoteException} is sent back as that refusal; any other
 * failure as {@link RemoteException#INTERNAL}.
 */
@FunctionalInterface
public interface RequestHandler {

    CompletionStage<byte[]> handle(byte[] body);
}
